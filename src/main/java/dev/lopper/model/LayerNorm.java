package dev.lopper.model;

import dev.lopper.tensor.Parallel;

/** LayerNorm as in torch: y = (x − mean)/sqrt(var + eps) · w + b, statistics in double. */
final class LayerNorm {
    private LayerNorm() {}

    /**
     * y[r] = norm(x[r])·w + b for each of {@code rows} rows; when stats is not null stores 1/σ of
     * row r at stats[r] and its mean at stats[rows + r].
     */
    static void forward(float[] x, float[] w, float[] b, float eps, float[] y, float[] stats, int rows, int dim) {
        Parallel.forRange(rows, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * dim;
                double sum = 0;
                for (int i = 0; i < dim; i++) sum += x[off + i];
                double mean = sum / dim;
                double ss = 0;
                for (int i = 0; i < dim; i++) {
                    double c = x[off + i] - mean;
                    ss += c * c;
                }
                float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
                float m = (float) mean;
                if (stats != null) {
                    stats[r] = inv;
                    stats[rows + r] = m;
                }
                for (int i = 0; i < dim; i++) y[off + i] = (x[off + i] - m) * inv * w[i] + b[i];
            }
        });
    }

    /**
     * Adds ∂L/∂x into dx given dy, and returns {∂L/∂w, ∂L/∂b} (null when not wanted). With
     * x̂ = (x − mean)/σ and g = dy⊙w: dx = (g − mean(g) − x̂·mean(g⊙x̂))/σ.
     */
    static double[][] backward(float[] x, float[] w, float[] stats, float[] dy, float[] dx, int rows, int dim,
                               boolean wantParamGrads) {
        Parallel.forRange(rows, 32, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * dim;
                float inv = stats[r], m = stats[rows + r];
                double sg = 0, sgx = 0;
                for (int i = 0; i < dim; i++) {
                    double g = (double) dy[off + i] * w[i];
                    sg += g;
                    sgx += g * (x[off + i] - m) * inv;
                }
                float mg = (float) (sg / dim), mgx = (float) (sgx / dim);
                for (int i = 0; i < dim; i++) {
                    float xh = (x[off + i] - m) * inv;
                    dx[off + i] += inv * (dy[off + i] * w[i] - mg - xh * mgx);
                }
            }
        });
        if (!wantParamGrads) return null;
        double[] dw = new double[dim], db = new double[dim];
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float inv = stats[r], m = stats[rows + r];
            for (int i = 0; i < dim; i++) {
                dw[i] += (double) dy[off + i] * (x[off + i] - m) * inv;
                db[i] += dy[off + i];
            }
        }
        return new double[][] {dw, db};
    }
}
