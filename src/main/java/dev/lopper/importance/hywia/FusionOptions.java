package dev.lopper.importance.hywia;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.BadInputException;
import dev.lopper.util.Choices;

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

        @Override
        public String toString() { return Choices.spelling(this); }
    }

    /**
     * The blend of fine and coarse scores: learned, or fixed with the fine score's weight α in
     * [0, 1] ({@link #FINE} = fixed 1, {@link #COARSE} = fixed 0).
     */
    public record Blend(Mode mode, double fineWeight) {
        public static final Blend LEARNED = new Blend(Mode.LEARNED, 0.5);
        public static final Blend FINE = fixed(1);
        public static final Blend COARSE = fixed(0);

        public static Blend fixed(double fineWeight) {
            return new Blend(Mode.FIXED, fineWeight);
        }

        /** Whether α is a weight in [0, 1] (NaN is not). */
        public static boolean validWeight(double a) {
            return a >= 0 && a <= 1;
        }

        /** {@code learned}, {@code fine}, {@code coarse} or {@code fixed:A}. */
        @Override
        public String toString() {
            if (mode == Mode.LEARNED) return "learned";
            if (fineWeight == 1) return "fine";
            if (fineWeight == 0) return "coarse";
            return "fixed:" + fineWeight;
        }
    }

    /** The blends with a name of their own; {@code fixed:A} is the others. */
    public enum NamedBlend {
        LEARNED(Blend.LEARNED), FINE(Blend.FINE), COARSE(Blend.COARSE);

        public final Blend blend;

        NamedBlend(Blend blend) { this.blend = blend; }

        @Override
        public String toString() { return Choices.spelling(this); }
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
        if (mode == Mode.FIXED && !Blend.validWeight(fineWeight))
            throw new BadSettingException(Setting.FUSION, "fixed:A needs A in [0, 1] (the weight of the fine score), not " + fineWeight);
        if (steps < 1) throw new BadSettingException(Setting.FUSION_STEPS, "must be at least 1, not " + steps);
        if (!(learningRate > 0) || Double.isInfinite(learningRate))
            throw new BadSettingException(Setting.FUSION_LEARNING_RATE, "must be a positive number, not " + learningRate);
        if (samples < 1) throw new BadSettingException(Setting.FUSION_SAMPLES, "must be at least 1, not " + samples);
        if (length < 2) throw new BadSettingException(Setting.FUSION_LENGTH, "must be at least 2 tokens, not " + length);
        if (!(startTemperature > 0) || !(endTemperature > 0) || Double.isInfinite(startTemperature)
                || Double.isInfinite(endTemperature))
            throw new BadSettingException(Setting.FUSION_TEMPERATURE, "needs two positive numbers T0:T1, not "
                    + startTemperature + ":" + endTemperature);
    }

    /** Whether the blend is learned (and so needs fusion windows and passes of its own). */
    public boolean learned() { return mode == Mode.LEARNED; }

    /** The same options with another blend. */
    public FusionOptions withBlend(Blend b) {
        return toBuilder().blend(b).build();
    }

    /** The blend, spelled as the CLI spells it ({@code learned}, {@code fine}, {@code coarse}, {@code fixed:A}). */
    public String modeName() {
        return new Blend(mode, fineWeight).toString();
    }

    /** The temperature at step {@code k} of {@code steps}: geometric from T0 to T1. */
    public double temperature(int k) {
        if (steps <= 1) return endTemperature;
        return startTemperature * Math.pow(endTemperature / startTemperature, (double) k / (steps - 1));
    }

    /** A builder holding these options, to change some by name. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Fusion options set by name, starting from others ({@link #toBuilder}); validated by {@link #build}. */
    public static final class Builder {
        private Mode mode;
        private double fineWeight;
        private Normalisation normalisation;
        private int steps;
        private double learningRate;
        private int samples;
        private int length;
        private double startTemperature;
        private double endTemperature;

        private Builder(FusionOptions o) {
            mode = o.mode;
            fineWeight = o.fineWeight;
            normalisation = o.normalisation;
            steps = o.steps;
            learningRate = o.learningRate;
            samples = o.samples;
            length = o.length;
            startTemperature = o.startTemperature;
            endTemperature = o.endTemperature;
        }

        /** Learned, or fixed with its weight (a learned blend keeps the fixed weight it had). */
        public Builder blend(Blend b) {
            mode = b.mode();
            if (b.mode() == Mode.FIXED) fineWeight = b.fineWeight();
            return this;
        }

        public Builder normalisation(Normalisation n) { normalisation = n; return this; }

        public Builder steps(int n) { steps = n; return this; }

        public Builder learningRate(double lr) { learningRate = lr; return this; }

        public Builder samples(int n) { samples = n; return this; }

        public Builder length(int tokens) { length = tokens; return this; }

        public Builder startTemperature(double t) { startTemperature = t; return this; }

        public Builder endTemperature(double t) { endTemperature = t; return this; }

        public FusionOptions build() {
            return new FusionOptions(mode, fineWeight, normalisation, steps, learningRate, samples, length,
                    startTemperature, endTemperature);
        }
    }
}
