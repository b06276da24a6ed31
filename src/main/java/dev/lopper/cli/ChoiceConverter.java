package dev.lopper.cli;

import dev.lopper.importance.hywia.FusionOptions;
import dev.lopper.util.Choices;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The one converter of fixed-choice options: an enum option takes its constants' spellings
 * ({@code toString()}, e.g. {@code wanda-sp}); anything else is a {@link BadValue} that
 * {@link Main}'s parameter handler prints as one line naming the option and the candidates.
 * {@link #registerAll} installs it for every enum type any command's options use, so a new
 * enum option needs no converter of its own; {@code --fusion}'s {@code fixed:A} is the one
 * value with a parameter.
 */
final class ChoiceConverter<E extends Enum<E>> implements ITypeConverter<E> {
    private final Class<E> type;

    private ChoiceConverter(Class<E> type) {
        this.type = type;
    }

    @Override
    public E convert(String value) {
        E e = Choices.find(type, value);
        if (e == null) throw BadValue.unknown(value, Choices.spellings(type));
        return e;
    }

    /** A value an option does not take; the message is made for the option's name. */
    static final class BadValue extends TypeConversionException {
        private final transient Function<String, String> message;

        BadValue(Function<String, String> message) {
            super(message.apply("--value"));
            this.message = message;
        }

        static BadValue unknown(String value, List<String> candidates) {
            return new BadValue(option -> Choices.Unknown.message(option.replaceFirst("^-+", ""), value, candidates));
        }

        /** E.g. "unknown criterion 'wanda'; choose one of …" for the option {@code --criterion}. */
        String messageFor(ArgSpec arg) {
            return message.apply(arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel());
        }
    }

    /** Registers the converter for every enum type of any option of {@code cli} and its subcommands, and --fusion's. */
    static void registerAll(CommandLine cli) {
        Set<Class<?>> enums = new LinkedHashSet<>();
        collect(cli, enums);
        for (Class<?> t : enums) register(cli, t);
        cli.registerConverter(FusionOptions.Blend.class, ChoiceConverter::blend);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void register(CommandLine cli, Class<?> t) {
        cli.registerConverter((Class) t, new ChoiceConverter(t));
    }

    private static void collect(CommandLine cli, Set<Class<?>> enums) {
        for (OptionSpec o : cli.getCommandSpec().options()) {
            if (o.type().isEnum()) enums.add(o.type());
            for (Class<?> aux : o.auxiliaryTypes()) if (aux.isEnum()) enums.add(aux);
        }
        for (CommandLine sub : cli.getSubcommands().values()) collect(sub, enums);
    }

    /** {@code learned}, {@code fine}, {@code coarse} or {@code fixed:A} with A in [0, 1]. */
    static FusionOptions.Blend blend(String value) {
        List<String> candidates = new ArrayList<>(Choices.spellings(FusionOptions.NamedBlend.class));
        candidates.add("fixed:A");
        String v = value.trim();
        if (v.startsWith("fixed:")) {
            double a;
            try {
                a = Double.parseDouble(v.substring("fixed:".length()));
            } catch (NumberFormatException e) {
                throw new BadValue(option -> option + " fixed:A needs a number A in [0, 1], not '" + value + "'");
            }
            if (!FusionOptions.Blend.validWeight(a))
                throw new BadValue(option -> option + " fixed:A needs A in [0, 1] (the weight of the fine score), not '"
                        + value + "'");
            return FusionOptions.Blend.fixed(a);
        }
        FusionOptions.NamedBlend named = Choices.find(FusionOptions.NamedBlend.class, v);
        if (named == null) throw BadValue.unknown(value, candidates);
        return named.blend;
    }
}
