package dev.lopper.tensor;

/**
 * Reference implementations of the {@link Gemm} products: straightforward, parallel, correct.
 * (To be replaced by packed, register-blocked kernels.)
 */
final class PackedGemm {
    private PackedGemm() {}

    static void xwT(float[] x, int m, Matrix w, float[] y, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        Parallel.forRange(n, 16, (from, to) -> {
            float[] row = new float[k];
            for (int o = from; o < to; o++) {
                w.readRow(o, row, 0);
                for (int t = 0; t < m; t++) {
                    float d = VectorOps.dot(x, t * k, row, 0, k);
                    y[t * n + o] = accumulate ? y[t * n + o] + d : d;
                }
            }
        });
    }

    static void xw(float[] dy, int m, Matrix w, float[] dx, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        if (!accumulate) java.util.Arrays.fill(dx, 0, m * k, 0f);
        Parallel.forRange(m, 1, (from, to) -> {
            float[] row = new float[k];
            for (int o = 0; o < n; o++) {
                w.readRow(o, row, 0);
                for (int t = from; t < to; t++) {
                    float g = dy[t * n + o];
                    if (g != 0f) VectorOps.axpy(g, row, 0, dx, t * k, k);
                }
            }
        });
    }

    static void atb(float[] dy, float[] x, int m, int n, int k, float[] dw, boolean accumulate) {
        Parallel.forRange(n, 4, (from, to) -> {
            for (int o = from; o < to; o++) {
                if (!accumulate) java.util.Arrays.fill(dw, o * k, o * k + k, 0f);
                for (int t = 0; t < m; t++) {
                    float g = dy[t * n + o];
                    if (g != 0f) VectorOps.axpy(g, x, t * k, dw, o * k, k);
                }
            }
        });
    }
}
