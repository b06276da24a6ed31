package dev.lopper.model;

import dev.lopper.tensor.Parallel;

/** RMSNorm as in HF Llama: y = x / sqrt(mean(x²) + eps) · w, statistics in double. */
final class RmsNorm {
    private RmsNorm() {}

    /** y[r] = norm(x[r]) · w for each of {@code rows} rows; stores 1/rms per row in invRms when not null. */
    static void forward(float[] x, float[] w, float eps, float[] y, float[] invRms, int rows, int dim) {
        Parallel.forRange(rows, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * dim;
                double ss = 0;
                for (int i = 0; i < dim; i++) ss += (double) x[off + i] * x[off + i];
                float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
                if (invRms != null) invRms[r] = inv;
                for (int i = 0; i < dim; i++) y[off + i] = x[off + i] * inv * w[i];
            }
        });
    }

    /**
     * Adds the input gradient to dx (dx += ∂L/∂x) given dy, and returns ∂L/∂w (or null when
     * not wanted). With x̂ = x·r: dx = r·(dy⊙w − x̂·mean(dy⊙w⊙x̂)).
     */
    static double[] backward(float[] x, float[] w, float[] invRms, float[] dy, float[] dx, int rows, int dim,
                             boolean wantWeightGrad) {
        Parallel.forRange(rows, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * dim;
                float inv = invRms[r];
                double dot = 0;
                for (int i = 0; i < dim; i++) dot += (double) dy[off + i] * w[i] * x[off + i] * inv;
                float mean = (float) (dot / dim);
                for (int i = 0; i < dim; i++) {
                    float xh = x[off + i] * inv;
                    dx[off + i] += inv * (dy[off + i] * w[i] - xh * mean);
                }
            }
        });
        if (!wantWeightGrad) return null;
        double[] dw = new double[dim];
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float inv = invRms[r];
            for (int i = 0; i < dim; i++) dw[i] += (double) dy[off + i] * x[off + i] * inv;
        }
        return dw;
    }
}
