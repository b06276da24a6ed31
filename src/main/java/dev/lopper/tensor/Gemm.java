package dev.lopper.tensor;

/**
 * The three matrix products a linear layer needs, with W stored [out, in] (HF layout):
 * <ul>
 *   <li>{@link #xwT} forward: y = x · Wᵀ</li>
 *   <li>{@link #xw} backward to the input: dx = dy · W</li>
 *   <li>{@link #atb} backward to the weight: dW = dyᵀ · x</li>
 * </ul>
 * All are multi-threaded. {@code accumulate} adds to the output instead of overwriting it. Each call
 * adds its 2·m·n·k floating-point operations to a process-wide count ({@link #flopsDone}), which
 * {@code util.StageMeter} reads to report the GFLOP/s each stage of a run reached.
 */
public final class Gemm {
    private Gemm() {}

    private static final java.util.concurrent.atomic.LongAdder FLOPS = new java.util.concurrent.atomic.LongAdder();

    /** Floating-point operations done by the three products since the process started. */
    public static long flopsDone() { return FLOPS.sum(); }

    /**
     * Whether {@link #xwT} and {@link #xw} over m rows take the blocked path, in which each row of
     * the result is summed in one order whatever the other rows: rows stacked from several such
     * products into one get the bits they had alone (smaller m take small-m paths of their own order).
     */
    public static boolean blockedRows(int m) {
        return m > 1 && m > PackedGemm.SMALL_M && m > PackedGemm.SMALL_M_XW;
    }

    /** y[m, w.rows] (+)= x[m, w.cols] · wᵀ */
    public static void xwT(float[] x, int m, Matrix w, float[] y, boolean accumulate) {
        FLOPS.add(2L * m * w.rows() * w.cols());
        PackedGemm.xwT(x, m, w, y, accumulate);
    }

    /** dx[m, w.cols] (+)= dy[m, w.rows] · w */
    public static void xw(float[] dy, int m, Matrix w, float[] dx, boolean accumulate) {
        FLOPS.add(2L * m * w.rows() * w.cols());
        PackedGemm.xw(dy, m, w, dx, accumulate);
    }

    /** dw[n, k] (+)= dyᵀ · x, with dy [m, n] and x [m, k] */
    public static void atb(float[] dy, float[] x, int m, int n, int k, float[] dw, boolean accumulate) {
        FLOPS.add(2L * m * n * k);
        PackedGemm.atb(dy, x, m, n, k, dw, accumulate);
    }
}
