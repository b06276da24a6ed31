package dev.lopper.allocation.search;

import dev.lopper.model.Pass;
import dev.lopper.calib.CalibrationData;
import dev.lopper.model.CausalLM;
import dev.lopper.tensor.VectorOps;

import java.util.Arrays;

/**
 * The dense model's next-token distributions on the fitness windows, computed once and kept
 * bounded: per position the k most likely tokens with their log-probabilities, and the
 * log-probability of all the others together ("rest"). Memory: positions × k × 8 bytes.
 */
final class DenseTopK {
    private final int vocab, k;
    private final int[] ids;        // [rows·k]
    private final float[] logp;     // [rows·k]
    private final double[] logRest; // [rows], −∞ when k covers the vocabulary

    private DenseTopK(int vocab, int k, int rows) {
        this.vocab = vocab;
        this.k = k;
        this.ids = new int[rows * k];
        this.logp = new float[rows * k];
        this.logRest = new double[rows];
    }

    static DenseTopK compute(CausalLM t, CalibrationData data, int topK, int batch) {
        int vocab = t.config().vocabSize(), len = data.length();
        int k = Math.max(1, Math.min(topK, vocab));
        DenseTopK d = new DenseTopK(vocab, k, data.windows() * len);
        for (int w = 0; w < data.windows(); w += batch) {
            int b = Math.min(batch, data.windows() - w);
            float[] logits = t.logits(data.batch(w, b), b, len, Pass.plain());
            for (int r = 0; r < b * len; r++) d.keep(logits, r * vocab, w * len + r);
        }
        return d;
    }

    private void keep(float[] logits, int off, int row) {
        double lse = logSumExp(logits, off, vocab);
        int[] order = topIndices(logits, off);
        double kept = 0;
        for (int i = 0; i < k; i++) {
            int id = order[i];
            double lp = logits[off + id] - lse;
            ids[row * k + i] = id;
            logp[row * k + i] = (float) lp;
            kept += StrictMath.exp(lp);
        }
        logRest[row] = k >= vocab ? Double.NEGATIVE_INFINITY : StrictMath.log(Math.max(1e-30, 1 - kept));
    }

    /** Indices of the k largest logits, largest first, ties to the lower index. */
    private int[] topIndices(float[] logits, int off) {
        Integer[] idx = new Integer[vocab];
        for (int i = 0; i < vocab; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(logits[off + b], logits[off + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        return out;
    }

    static double logSumExp(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        return max + StrictMath.log(VectorOps.expShifted(x, off, n, 1f, -max, false));
    }

    /**
     * Σ over {@code rows} positions (starting at dense row {@code firstRow}) of KL(dense ‖ masked)
     * on the top-k + rest coarsening; {@code logits} are the masked model's, [rows, vocab].
     */
    double klSum(float[] logits, int firstRow, int rows) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int off = r * vocab, row = firstRow + r;
            double lse = logSumExp(logits, off, vocab);
            double kl = 0, qKept = 0;
            for (int i = 0; i < k; i++) {
                double lp = logp[row * k + i];
                double lq = logits[off + ids[row * k + i]] - lse;
                kl += StrictMath.exp(lp) * (lp - lq);
                qKept += StrictMath.exp(lq);
            }
            if (logRest[row] != Double.NEGATIVE_INFINITY) {
                double lqRest = StrictMath.log(Math.max(1e-30, 1 - qKept));
                kl += StrictMath.exp(logRest[row]) * (logRest[row] - lqRest);
            }
            sum += kl;
        }
        return sum;
    }
}
