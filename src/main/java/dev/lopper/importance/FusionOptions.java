package dev.lopper.importance;

import dev.lopper.BadInputException;

/**
 * How HyWIA blends its two granularities (Lopper's design, docs/METHODS.md "HyWIA").
 *
 * @param mode          LEARNED (the attention fusion, fitted end to end) or FIXED (α = {@code fineWeight})
 * @param fineWeight    for FIXED: the weight of the fine score, in [0, 1] (1 = fine only, 0 = coarse only)
 * @param normalisation how fine and coarse scores are made comparable within each (layer, module)
 * @param steps         Adam steps of the learned fusion
 * @param learningRate  Adam's step size
 * @param samples       fusion windows (disjoint from the gradient windows)
 * @param length        tokens per fusion window
 * @param startTemperature temperature of the soft masks at the first step (in standard deviations of the fused score)
 * @param endTemperature   temperature at the last step (geometric annealing in between)
 */
public record FusionOptions(Mode mode, double fineWeight, Normalisation normalisation, int steps,
                            double learningRate, int samples, int length, double startTemperature,
                            double endTemperature) {

    public enum Mode { LEARNED, FIXED }

    /** Within each (layer, module): divide by the mean, or replace each score by its rank in [0, 1]. */
    public enum Normalisation {
        MEAN, RANK;

        public static Normalisation parse(String s) {
            return switch (s) {
                case "mean" -> MEAN;
                case "rank" -> RANK;
                default -> throw new BadInputException("--fusion-norm must be mean or rank, not '" + s + "'");
            };
        }
    }

    public static final int DEFAULT_STEPS = 80;
    public static final double DEFAULT_LR = 0.05;
    public static final int DEFAULT_SAMPLES = 16;
    public static final int DEFAULT_LENGTH = 64;
    public static final double DEFAULT_T0 = 0.5;
    public static final double DEFAULT_T1 = 0.05;
    public static final Normalisation DEFAULT_NORMALISATION = Normalisation.MEAN;

    public static final FusionOptions DEFAULT = new FusionOptions(Mode.LEARNED, 0.5, DEFAULT_NORMALISATION,
            DEFAULT_STEPS, DEFAULT_LR, DEFAULT_SAMPLES, DEFAULT_LENGTH, DEFAULT_T0, DEFAULT_T1);

    public FusionOptions {
        if (mode == Mode.FIXED && !(fineWeight >= 0 && fineWeight <= 1))
            throw new BadInputException("--fusion fixed:A needs A in [0, 1] (the weight of the fine score), not " + fineWeight);
        if (steps < 1) throw new BadInputException("--fusion-steps must be at least 1, not " + steps);
        if (!(learningRate > 0) || Double.isInfinite(learningRate))
            throw new BadInputException("--fusion-lr must be a positive number, not " + learningRate);
        if (samples < 1) throw new BadInputException("--fusion-samples must be at least 1, not " + samples);
        if (length < 2) throw new BadInputException("--fusion-len must be at least 2 tokens, not " + length);
        if (!(startTemperature > 0) || !(endTemperature > 0) || Double.isInfinite(startTemperature)
                || Double.isInfinite(endTemperature))
            throw new BadInputException("--fusion-temperature needs two positive numbers T0:T1, not "
                    + startTemperature + ":" + endTemperature);
    }

    /** Whether the blend is learned (and so needs fusion windows and passes of its own). */
    public boolean learned() { return mode == Mode.LEARNED; }

    /** {@code learned}, {@code fine} (= fixed:1), {@code coarse} (= fixed:0) or {@code fixed:A}. */
    public FusionOptions withMode(String spec) {
        Mode m;
        double a = fineWeight;
        switch (spec) {
            case "learned" -> m = Mode.LEARNED;
            case "fine" -> { m = Mode.FIXED; a = 1; }
            case "coarse" -> { m = Mode.FIXED; a = 0; }
            default -> {
                if (!spec.startsWith("fixed:"))
                    throw new BadInputException("--fusion must be learned, fine, coarse or fixed:A, not '" + spec + "'");
                try {
                    a = Double.parseDouble(spec.substring("fixed:".length()));
                } catch (NumberFormatException e) {
                    throw new BadInputException("--fusion fixed:A needs a number A in [0, 1], not '" + spec + "'");
                }
                if (!(a >= 0 && a <= 1))
                    throw new BadInputException("--fusion fixed:A needs A in [0, 1] (the weight of the fine score), not '"
                            + spec + "'");
                m = Mode.FIXED;
            }
        }
        return new FusionOptions(m, a, normalisation, steps, learningRate, samples, length, startTemperature,
                endTemperature);
    }

    /** The mode as the CLI spells it. */
    public String modeName() {
        if (mode == Mode.LEARNED) return "learned";
        if (fineWeight == 1) return "fine";
        if (fineWeight == 0) return "coarse";
        return "fixed:" + fineWeight;
    }

    /** The temperature at step {@code k} of {@code steps}: geometric from T0 to T1. */
    public double temperature(int k) {
        if (steps <= 1) return endTemperature;
        return startTemperature * Math.pow(endTemperature / startTemperature, (double) k / (steps - 1));
    }

    public FusionOptions with(Normalisation norm, Integer steps, Double lr, Integer samples, Integer length,
                              Double t0, Double t1) {
        return new FusionOptions(mode, fineWeight, norm != null ? norm : normalisation,
                steps != null ? steps : this.steps, lr != null ? lr : learningRate,
                samples != null ? samples : this.samples, length != null ? length : this.length,
                t0 != null ? t0 : startTemperature, t1 != null ? t1 : endTemperature);
    }
}
