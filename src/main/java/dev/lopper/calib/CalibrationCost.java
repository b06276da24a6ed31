package dev.lopper.calib;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.Gemm;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ProcessMemory;
import dev.lopper.util.ProgressListener;

import java.util.Set;

/**
 * What a calibration will cost before it starts: the Java heap it holds (activations of the
 * windows in flight, one weight's gradient buffers, LM-head logits; the weights themselves are
 * memory-mapped, outside the heap) and the arithmetic it does. {@link #check} refuses a run
 * whose heap would not fit (one line: what it needs, what it has, which option lowers it) and,
 * for a long one, prints the tokens and the projected time at this machine's measured speed.
 * The estimate counts the big arrays only, so it errs low: it refuses only runs that cannot fit.
 */
public final class CalibrationCost {
    /** From this many calibration tokens on, the run first prints its tokens and projected time. */
    public static final long PROJECT_FROM_TOKENS = 16_384;

    private CalibrationCost() {}

    /** Heap bytes of the calibration passes ({@code batch}: windows per forward of activation statistics). */
    public static long heapBytes(ModelConfig c, Set<Statistic> needs, int windows, int length, int batch) {
        boolean gradients = needs.contains(Statistic.GRADIENTS) || needs.contains(Statistic.FISHER);
        long hidden = c.hiddenSize(), widest = 0, maxWeight = 0, maxHeads = 0;
        for (LayerShape s : c.layers()) {
            widest = Math.max(widest, Math.max(s.qDim(), s.intermediate()));
            maxHeads = Math.max(maxHeads, s.heads());
            for (Param p : c.layerParams()) maxWeight = Math.max(maxWeight, p.size(c, s));
        }
        int inFlight = gradients ? windows : Math.min(batch, windows);
        long tokens = (long) inFlight * length;
        // One layer's activations (inputs, norms, q/k/v, attention out, MLP gate/up/act: ~6 hidden + 4 widest
        // per token) and the attention probabilities of one sequence at a time per head.
        long layer = tokens * (6 * hidden + 4 * widest) * 4 + maxHeads * (long) length * length * 4;
        long bytes = layer + 64L * c.vocabSize() * 4;       // one chunk of logits
        if (gradients) {
            bytes += (long) c.numLayers() * tokens * hidden * 4;   // every layer's input, kept for the backward
            bytes += layer;                                          // the gradients of one layer's activations
            bytes += maxWeight * 4 * (needs.contains(Statistic.FISHER) ? 3 : 1);   // dW (+ Σg, Σg² of one weight)
        }
        return bytes;
    }

    /** Forward FLOPs per token: 2 per weight of the layers and LM head, plus attention over {@code length}. */
    public static double forwardFlopsPerToken(ModelConfig c, int length) {
        double f = 2.0 * c.vocabSize() * c.hiddenSize();
        for (LayerShape s : c.layers()) f += 2.0 * c.layerParameters(s) + 2.0 * s.qDim() * length;
        return f;
    }

    /** FLOPs of the calibration: forward passes, and a backward (≈ 2 forwards + 1 recomputed) for gradients. */
    public static double flops(ModelConfig c, Set<Statistic> needs, int windows, int length) {
        double forward = forwardFlopsPerToken(c, length) * windows * length;
        boolean gradients = needs.contains(Statistic.GRADIENTS) || needs.contains(Statistic.FISHER);
        double total = needs.contains(Statistic.ACTIVATIONS) ? forward : 0;
        if (gradients) total += 4 * forward;
        return total;
    }

    /**
     * Refuses (exit 2) a calibration whose heap estimate exceeds the JVM's maximum heap or the
     * machine's memory; for {@value #PROJECT_FROM_TOKENS} tokens or more, tells the user the tokens
     * and the projected time at the GFLOP/s this machine reaches on the model's own first weight.
     */
    public static void check(LlamaModel model, Set<Statistic> needs, int windows, int length, int batch,
                             ProgressListener progress) {
        if (needs.isEmpty()) return;
        ModelConfig c = model.config();
        long need = heapBytes(c, needs, windows, length, batch), max = Runtime.getRuntime().maxMemory();
        long machine = ProcessMemory.machineTotal();
        if (need > max || (machine > 0 && need > machine)) {
            String has = need > max ? String.format("this JVM may use %.1f GB of heap", max / 1e9)
                    : String.format("this machine has %.1f GB of memory", machine / 1e9);
            throw new BadInputException(String.format("calibration of %d windows of %d tokens needs about %.1f GB of "
                    + "Java heap and %s; lower " + Setting.CALIB_WINDOWS.mention() + " (or " + Setting.CALIB_LENGTH.mention()
                    + ")%s", windows, length, need / 1e9, has,
                    need > max && (machine <= 0 || need < machine * 0.8)
                            ? String.format(", or raise the heap: LOPPER_JAVA_OPTS=\"-Xmx%dg\"", (long) Math.ceil(need * 1.5 / 1e9))
                            : ""));
        }
        long tokens = (long) windows * length;
        if (tokens < PROJECT_FROM_TOKENS) return;
        double gflops = measuredGflops(model);
        double seconds = flops(c, needs, windows, length) / (gflops * 1e9);
        progress.notice(String.format("calibration: %,d tokens (%d windows of %d); at this machine's measured %.0f "
                        + "GFLOP/s about %s (" + Setting.CALIB_WINDOWS.mention() + " N processes N windows)", tokens, windows, length, gflops,
                duration(seconds)));
    }

    /**
     * GFLOP/s of the forward GEMM on the model's first layer's largest weight, 64 rows (the
     * calibration's shape), best of three after one warm-up: what this machine reaches now.
     */
    public static double measuredGflops(LlamaModel model) {
        return measuredGflops(model, 64);
    }

    /**
     * The same at {@code rows} rows of activation (at most {@value #PROBE_MAX_ROWS}): a product of
     * many rows widens and packs each weight once for all of them, so it runs faster per FLOP.
     */
    public static double measuredGflops(LlamaModel model, int rows) {
        Matrix w = model.layer(0).up() != null ? model.layer(0).up() : model.layer(0).wq();
        int m = Math.max(1, Math.min(rows, PROBE_MAX_ROWS));
        float[] x = new float[m * w.cols()], y = new float[m * w.rows()];
        java.util.Arrays.fill(x, 0.01f);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            Gemm.xwT(x, m, w, y, false);
            if (i > 0) best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * m * w.rows() * w.cols() / best / 1e9;
    }

    /** The probe's largest activation (past it the rate no longer grows; at 70B's MLP a product is 0.48 TFLOP, ≈ 2 s). */
    static final int PROBE_MAX_ROWS = 1024;

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 90) return s + " s";
        if (s < 5400) return String.format("%d min", Math.round(s / 60.0));
        return String.format("%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
