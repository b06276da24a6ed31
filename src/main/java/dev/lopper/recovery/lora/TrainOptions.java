package dev.lopper.recovery.lora;

/**
 * How a LoRA is trained.
 *
 * @param seq             tokens per window
 * @param batch           windows per forward/backward (a micro-batch)
 * @param accumulation    micro-batches per optimiser step (gradient accumulation)
 * @param steps           optimiser steps; 0 = from {@code epochs}
 * @param epochs          passes over the training windows when {@code steps} is 0
 * @param learningRate    peak learning rate
 * @param warmup          linear warm-up steps; negative = min(100, a tenth of the steps), see {@link #resolved}
 * @param weightDecay     AdamW's decoupled weight decay
 * @param maxGradNorm     global gradient-norm clip (0 = none)
 * @param evalEvery       held-out evaluation every N steps (0 = only before and after)
 * @param evalWindows     held-out windows per evaluation (0 = all)
 * @param checkpointEvery checkpoint every N steps (0 = none)
 * @param seed            adapter initialisation, window order and dropout masks
 * @param kdWeight        distillation's share of the loss (0 = none, 1 = pure distillation)
 * @param temperature     distillation temperature
 */
public record TrainOptions(int seq, int batch, int accumulation, int steps, double epochs, double learningRate,
                           int warmup, double weightDecay, double maxGradNorm, int evalEvery, int evalWindows,
                           int checkpointEvery, long seed, double kdWeight, double temperature) {
    public TrainOptions {
        if (seq < 2) throw new IllegalArgumentException("seq " + seq);
        if (batch < 1 || accumulation < 1) throw new IllegalArgumentException("batch " + batch + " × " + accumulation);
        if (steps < 0 || (steps == 0 && !(epochs > 0))) throw new IllegalArgumentException("neither steps nor epochs");
        if (!(kdWeight >= 0 && kdWeight <= 1)) throw new IllegalArgumentException("kd weight " + kdWeight);
    }

    /** The same options with a negative warm-up replaced by its default for a run over {@code windows} windows. */
    public TrainOptions resolved(int windows) {
        if (warmup >= 0) return this;
        int w = Math.min(100, totalSteps(windows) / 10);
        return new TrainOptions(seq, batch, accumulation, steps, epochs, learningRate, w, weightDecay, maxGradNorm,
                evalEvery, evalWindows, checkpointEvery, seed, kdWeight, temperature);
    }

    public int windowsPerStep() { return batch * accumulation; }

    /** Optimiser steps for {@code windows} training windows. */
    public int totalSteps(int windows) {
        return steps > 0 ? steps : (int) Math.max(1, Math.ceil(epochs * windows / windowsPerStep()));
    }
}
