package dev.lopper.model;

import dev.lopper.tensor.Gemm;
import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.Parallel;
import dev.lopper.tensor.VectorOps;

/**
 * The LM head and the next-token loss, computed in chunks of rows so that the full
 * [tokens, vocab] logits are never held at once.
 */
final class LmHead {
    private static final int CHUNK = 64;     // rows of logits at a time: 64·vocab floats (2 MB at 8K vocab, 32 MB at 128K)

    private LmHead() {}

    /**
     * Sum of NLL of tokens[r+1] given row r, over rows that are not the last of their sequence.
     * When dHs is not null, writes ∂(mean NLL)/∂hs into it and adds ∂/∂W into dW (if not null).
     */
    static double loss(float[] hs, int[] tokens, int seqs, int len, Matrix head, float[] dHs, float[] dW,
                       WorkArrays work) {
        int hidden = head.cols(), vocab = head.rows();
        int rows = seqs * len;
        double count = (double) seqs * (len - 1);
        double total = 0;
        float[] logits = work.zeroed(Math.min(CHUNK, rows) * vocab);     // reused by every chunk (first m rows)
        for (int r0 = 0; r0 < rows; r0 += CHUNK) {
            int m = Math.min(CHUNK, rows - r0);
            float[] h = java.util.Arrays.copyOfRange(hs, r0 * hidden, (r0 + m) * hidden);
            Gemm.xwT(h, m, head, logits, false);
            double[] nll = new double[m];
            int base = r0;
            Parallel.forRange(m, 4, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int r = base + i;
                    int off = i * vocab;
                    boolean predicts = r % len != len - 1;
                    if (!predicts) {
                        if (dHs != null) java.util.Arrays.fill(logits, off, off + vocab, 0f);
                        continue;
                    }
                    int target = tokens[r + 1];
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < vocab; j++) max = Math.max(max, logits[off + j]);
                    double lse = max + Math.log(VectorOps.expShifted(logits, off, vocab, 1f, -max, false));
                    nll[i] = lse - logits[off + target];
                    if (dHs != null) {      // ∂/∂logits of mean NLL = (softmax − onehot) / count
                        VectorOps.expShifted(logits, off, vocab, 1f, (float) -lse, true);
                        VectorOps.scale(logits, off, vocab, (float) (1.0 / count));
                        logits[off + target] -= (float) (1.0 / count);
                    }
                }
            });
            for (double v : nll) total += v;
            if (dHs != null) backward(logits, h, m, r0, head, dHs, dW);
        }
        work.release(logits);
        return total;
    }

    /** Σ_r w_r·term_r (the objective's numerator), Σ_r w_r·CE_r, and Σ_r w_r over the predicting rows. */
    record Sums(double loss, double ce, double weight) {}

    /**
     * The {@link Objective} of a batch: writes ∂L/∂hs into dHs and adds ∂L/∂W into dW (if not
     * null), L = Σ w_r·term_r / Σ w_r. Rows are taken in chunks, as {@link #loss}.
     */
    static Sums objective(float[] hs, int[] tokens, int seqs, int len, Matrix head, Objective obj, float[] dHs,
                          float[] dW, WorkArrays work) {
        int hidden = head.cols(), vocab = head.rows();
        int rows = seqs * len;
        double weight = 0;
        for (int r = 0; r < rows; r++) if (r % len != len - 1) weight += obj.weight(r);
        double norm = weight > 0 ? 1.0 / weight : 0.0;
        float k = obj.kdWeight(), temp = obj.temperature();
        float[] teacher = obj.teacherLogits();
        double totalLoss = 0, totalCe = 0;
        float[] logits = work.zeroed(Math.min(CHUNK, rows) * vocab);
        for (int r0 = 0; r0 < rows; r0 += CHUNK) {
            int m = Math.min(CHUNK, rows - r0);
            float[] h = java.util.Arrays.copyOfRange(hs, r0 * hidden, (r0 + m) * hidden);
            Gemm.xwT(h, m, head, logits, false);
            double[] lossRow = new double[m], ceRow = new double[m];
            int base = r0;
            Parallel.forRange(m, 4, (from, to) -> {
                double[] pS = new double[vocab], pT = new double[vocab];
                for (int i = from; i < to; i++) {
                    int r = base + i;
                    int off = i * vocab;
                    float w = obj.weight(r);
                    if (r % len == len - 1 || w == 0f) {
                        java.util.Arrays.fill(logits, off, off + vocab, 0f);
                        continue;
                    }
                    int target = tokens[r + 1];
                    double lse = logSumExp(logits, off, vocab, 1.0);
                    double ce = lse - logits[off + target];
                    double term = (1 - k) * ce;
                    double[] g = new double[vocab];     // ∂term/∂logits
                    if (k < 1f) {
                        for (int j = 0; j < vocab; j++) g[j] = (1 - k) * Math.exp(logits[off + j] - lse);
                        g[target] -= (1 - k);
                    }
                    if (k > 0f) {
                        int toff = r * vocab;
                        double lseS = logSumExp(logits, off, vocab, 1.0 / temp);
                        double lseT = logSumExp(teacher, toff, vocab, 1.0 / temp);
                        double kl = 0;
                        for (int j = 0; j < vocab; j++) {
                            double ls = logits[off + j] / temp - lseS, lt = teacher[toff + j] / temp - lseT;
                            pS[j] = Math.exp(ls);
                            pT[j] = Math.exp(lt);
                            kl += pT[j] * (lt - ls);
                        }
                        term += k * temp * temp * kl;
                        for (int j = 0; j < vocab; j++) g[j] += k * temp * (pS[j] - pT[j]);
                    }
                    lossRow[i] = w * term;
                    ceRow[i] = w * ce;
                    double scale = w * norm;
                    for (int j = 0; j < vocab; j++) logits[off + j] = (float) (g[j] * scale);
                }
            });
            for (int i = 0; i < m; i++) {
                totalLoss += lossRow[i];
                totalCe += ceRow[i];
            }
            if (dHs != null) backward(logits, h, m, r0, head, dHs, dW);
        }
        work.release(logits);
        return new Sums(totalLoss, totalCe, weight);
    }

    /** From ∂L/∂logits of a chunk of m rows starting at r0: dHs rows r0.. = dLogits·W, dW += dLogitsᵀ·h. */
    private static void backward(float[] dLogits, float[] h, int m, int r0, Matrix head, float[] dHs, float[] dW) {
        int hidden = head.cols();
        float[] dh = new float[m * hidden];
        Gemm.xw(dLogits, m, head, dh, false);
        System.arraycopy(dh, 0, dHs, r0 * hidden, m * hidden);
        if (dW != null) Gemm.atb(dLogits, h, m, head.rows(), hidden, dW, true);
    }

    /** log Σ_j exp(scale·x[off+j]) in double. */
    private static double logSumExp(float[] x, int off, int n, double scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, scale * x[off + j]);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += Math.exp(scale * x[off + j] - max);
        return max + Math.log(sum);
    }
}
