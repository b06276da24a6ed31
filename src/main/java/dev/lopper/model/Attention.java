package dev.lopper.model;

import dev.lopper.tensor.Parallel;
import dev.lopper.tensor.VectorOps;

/**
 * Causal scaled dot-product attention with grouped KV heads (query head h reads kv head
 * h / groupSize, as HF's repeat_kv). Rows are tokens; q rows have heads·d values, k/v rows
 * kvHeads·d. Probabilities are not stored: backward recomputes them from q and k.
 *
 * <p>With ALiBi ({@code slopes} not null) the score of query head h against the key at absolute
 * position j gets slopes[h]·j added after scaling (BLOOM's and Baichuan-13B's bias; the −slope·i
 * of the query position is the same for all keys of a row and cancels in the softmax).
 */
final class Attention {
    private Attention() {}

    /**
     * out[i] = softmax(q_i·K[0..pos0+i]ᵀ/√d)·V for the n query rows of each of {@code seqs}
     * sequences. Sequence b's queries start at row b·n of q/out; its keys start at row
     * b·kvStride of k/v and the query at row i sits at absolute position pos0+i.
     */
    static void forward(float[] q, float[] k, float[] v, float[] out, int seqs, int n, int pos0, int kvStride,
                        LayerShape s, float[] slopes) {
        int d = s.headDim(), kvHeads = s.kvHeads(), group = s.groupSize();
        int qDim = s.qDim(), kvDim = s.kvDim();
        int keys = pos0 + n;
        float scale = (float) (1.0 / Math.sqrt(d));
        // One task per (sequence, kv head): its keys are transposed once to [d][keys] so that the
        // scores of a query against all keys are one register-accumulated weighted row sum.
        long flops = 4L * seqs * s.heads() * n * keys * d;
        Parallel.forWork(flops, seqs * kvHeads, 1, (from, to) -> {
            float[] scores = new float[keys];
            float[] kt = new float[d * keys];
            for (int task = from; task < to; task++) {
                int b = task / kvHeads, kvh = task % kvHeads;
                int kBase = b * kvStride * kvDim + kvh * d;
                for (int j = 0; j < keys; j++) {
                    int row = kBase + j * kvDim;
                    for (int c = 0; c < d; c++) kt[c * keys + j] = k[row + c];
                }
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    for (int i = 0; i < n; i++) {
                        int qOff = (b * n + i) * qDim + h * d;
                        int len = pos0 + i + 1;
                        VectorOps.weightedRowSum(q, qOff, d, kt, 0, keys, len, scores, 0);
                        if (slopes == null) {
                            VectorOps.softmaxInPlace(scores, len, scale);
                        } else {
                            float slope = slopes[h];
                            for (int j = 0; j < len; j++) scores[j] = scores[j] * scale + slope * j;
                            VectorOps.softmaxInPlace(scores, len, 1f);
                        }
                        VectorOps.weightedRowSum(scores, 0, len, v, kBase, kvDim, d, out, qOff);
                    }
                }
            }
        });
    }

    /**
     * Backward of {@link #forward} for full sequences (pos0 = 0, keys are the sequence's own
     * rows): from dOut computes dq, and dk, dv (overwritten).
     */
    static void backward(float[] q, float[] k, float[] v, float[] dOut, float[] dq, float[] dk, float[] dv,
                         int seqs, int n, LayerShape s, float[] slopes) {
        int d = s.headDim(), heads = s.heads(), kvHeads = s.kvHeads(), group = s.groupSize();
        int qDim = s.qDim(), kvDim = s.kvDim();
        float scale = (float) (1.0 / Math.sqrt(d));
        // One task per (sequence, kv head): the query heads sharing a kv head add into the same dk/dv rows.
        Parallel.forRange(seqs * kvHeads, 1, (from, to) -> {
            float[] p = new float[n];
            float[] dp = new float[n];
            for (int task = from; task < to; task++) {
                int b = task / kvHeads, kvh = task % kvHeads;
                for (int j = 0; j < n; j++) {
                    int off = (b * n + j) * kvDim + kvh * d;
                    java.util.Arrays.fill(dk, off, off + d, 0f);
                    java.util.Arrays.fill(dv, off, off + d, 0f);
                }
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    for (int i = 0; i < n; i++) {
                        int qOff = (b * n + i) * qDim + h * d;
                        int len = i + 1;
                        float max = Float.NEGATIVE_INFINITY;
                        float slope = slopes == null ? 0f : slopes[h];
                        for (int j = 0; j < len; j++) {
                            float sc = VectorOps.dot(q, qOff, k, (b * n + j) * kvDim + kvh * d, d) * scale + slope * j;
                            p[j] = sc;
                            if (sc > max) max = sc;
                        }
                        double sum = 0;
                        for (int j = 0; j < len; j++) {
                            p[j] = (float) Math.exp(p[j] - max);
                            sum += p[j];
                        }
                        float inv = (float) (1.0 / sum);
                        double pdp = 0;
                        for (int j = 0; j < len; j++) {
                            p[j] *= inv;
                            int kvOff = (b * n + j) * kvDim + kvh * d;
                            dp[j] = VectorOps.dot(dOut, qOff, v, kvOff, d);
                            pdp += p[j] * dp[j];
                            VectorOps.axpy(p[j], dOut, qOff, dv, kvOff, d);
                        }
                        java.util.Arrays.fill(dq, qOff, qOff + d, 0f);
                        for (int j = 0; j < len; j++) {
                            float ds = (float) (p[j] * (dp[j] - pdp)) * scale;
                            if (ds == 0f) continue;
                            int kvOff = (b * n + j) * kvDim + kvh * d;
                            VectorOps.axpy(ds, k, kvOff, dq, qOff, d);
                            VectorOps.axpy(ds, q, qOff, dk, kvOff, d);
                        }
                    }
                }
            }
        });
    }
}
