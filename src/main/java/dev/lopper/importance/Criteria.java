package dev.lopper.importance;

import dev.lopper.BadInputException;

import java.util.List;

/** The registry of criteria by name (the names of docs/METHODS.md's criteria table). */
public final class Criteria {
    /** Valid names, in the order help text lists them. */
    public static final List<String> NAMES =
            List.of("random", "l1", "l2", "wanda-sp", "flap", "taylor-vector", "taylor-element", "hywia");

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
        return create(name, options, FusionOptions.DEFAULT);
    }

    /** As {@link #create(String, Options)}; {@code fusion} configures {@code hywia}. */
    public static Criterion create(String name, Options options, FusionOptions fusion) {
        if (options.secondOrder() && !"taylor-element".equals(name))
            throw new BadInputException("second-order scoring exists only for taylor-element, not " + name);
        return switch (name) {
            case "random" -> new RandomCriterion(options.seed());
            case "l1" -> new MagnitudeCriterion(false);
            case "l2" -> new MagnitudeCriterion(true);
            case "wanda-sp" -> new WandaSpCriterion();
            case "flap" -> new FlapCriterion();
            case "taylor-vector" -> new TaylorCriterion(TaylorCriterion.Kind.VECTOR);
            case "taylor-element" -> new TaylorCriterion(
                    options.secondOrder() ? TaylorCriterion.Kind.MIX : TaylorCriterion.Kind.ELEMENT);
            case "hywia" -> new HywiaCriterion(fusion, options.seed());
            default -> throw new BadInputException("unknown criterion '" + name + "'; valid: " + String.join(", ", NAMES));
        };
    }
}
