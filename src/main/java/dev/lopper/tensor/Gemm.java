package dev.lopper.tensor;

/**
 * The three matrix products a linear layer needs, with W stored [out, in] (HF layout):
 * <ul>
 *   <li>{@link #xwT} forward: y = x · Wᵀ</li>
 *   <li>{@link #xw} backward to the input: dx = dy · W</li>
 *   <li>{@link #atb} backward to the weight: dW = dyᵀ · x</li>
 * </ul>
 * All are multi-threaded. {@code accumulate} adds to the output instead of overwriting it.
 */
public final class Gemm {
    private Gemm() {}

    /** y[m, w.rows] (+)= x[m, w.cols] · wᵀ */
    public static void xwT(float[] x, int m, Matrix w, float[] y, boolean accumulate) {
        PackedGemm.xwT(x, m, w, y, accumulate);
    }

    /** dx[m, w.cols] (+)= dy[m, w.rows] · w */
    public static void xw(float[] dy, int m, Matrix w, float[] dx, boolean accumulate) {
        PackedGemm.xw(dy, m, w, dx, accumulate);
    }

    /** dw[n, k] (+)= dyᵀ · x, with dy [m, n] and x [m, k] */
    public static void atb(float[] dy, float[] x, int m, int n, int k, float[] dw, boolean accumulate) {
        PackedGemm.atb(dy, x, m, n, k, dw, accumulate);
    }
}
