package dev.lopper.importance;

import dev.lopper.BadInputException;
import dev.lopper.importance.hywia.FusionOptions;
import dev.lopper.importance.hywia.HywiaCriterion;
import dev.lopper.util.Choices;

import java.util.List;

/** Makes the criterion of a {@link CriterionKind} (the names of docs/METHODS.md's criteria table). */
public final class Criteria {
    /** Valid names, in the order help text lists them. */
    public static final List<String> NAMES = Choices.spellings(CriterionKind.class);

    /**
     * @param seed        for {@code random}
     * @param secondOrder for {@code taylor-element}: Σ|s − ½W⊙F⊙W| instead of Σ|s|
     */
    public record Options(long seed, boolean secondOrder) {
        public static final Options DEFAULT = new Options(0, false);
    }

    private Criteria() {}

    public static Criterion create(String name) {
        return create(name, Options.DEFAULT);
    }

    /** The criterion of that name; a BadInputException listing the valid names for an unknown one. */
    public static Criterion create(String name, Options options) {
        return create(Choices.parse(CriterionKind.class, name, "criterion"), options, FusionOptions.DEFAULT);
    }

    /** The criterion of that kind; {@code fusion} configures {@code hywia}. */
    public static Criterion create(CriterionKind kind, Options options, FusionOptions fusion) {
        if (options.secondOrder() && kind != CriterionKind.TAYLOR_ELEMENT)
            throw new BadInputException("second-order scoring exists only for taylor-element, not " + kind);
        return switch (kind) {
            case RANDOM -> new RandomCriterion(options.seed());
            case L1 -> new MagnitudeCriterion(false);
            case L2 -> new MagnitudeCriterion(true);
            case WANDA_SP -> new WandaSpCriterion();
            case FLAP -> new FlapCriterion();
            case TAYLOR_VECTOR -> new TaylorCriterion(TaylorCriterion.Kind.VECTOR);
            case TAYLOR_ELEMENT -> new TaylorCriterion(
                    options.secondOrder() ? TaylorCriterion.Kind.MIX : TaylorCriterion.Kind.ELEMENT);
            case HYWIA -> new HywiaCriterion(fusion, options.seed());
        };
    }
}
