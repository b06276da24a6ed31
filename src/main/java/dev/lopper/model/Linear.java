package dev.lopper.model;

import dev.lopper.tensor.Gemm;
import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.VectorOps;

/**
 * A linear layer y = x·Wᵀ + b (W in HF layout [out, in]) with its three backward products:
 * ∂L/∂x = dy·W, ∂L/∂W = dyᵀ·x, ∂L/∂b = Σ_rows dy. Weight and bias gradients go to a
 * {@link GradientSink} only when it wants them. A low-rank {@link Adapter} adds its branch
 * s·(drop(x)·Aᵀ)·Bᵀ in {@link #forward(WorkArrays, float[], int, Matrix, float[], Adapters, int, Param, float[][])}
 * and its gradients in {@link #adapterBackward}; W's gradient is never formed for it.
 */
final class Linear {
    private Linear() {}

    /** x·Wᵀ + b for {@code rows} rows of x; bias may be null. */
    static float[] forward(WorkArrays work, float[] x, int rows, Matrix w, float[] bias) {
        float[] y = work.zeroed(rows * w.rows());
        Gemm.xwT(x, rows, w, y, false);
        addBias(bias, y, rows);
        return y;
    }

    /**
     * x·Wᵀ + b plus the adapter's branch when {@code adapters} has one on (l, p); the branch's
     * s·drop(x)·Aᵀ [rows, rank] is kept in {@code kept[p.ordinal()]} for backward when kept is not null.
     */
    static float[] forward(WorkArrays work, float[] x, int rows, Matrix w, float[] bias, Adapters adapters, int l,
                           Param p, float[][] kept) {
        float[] y = forward(work, x, rows, w, bias);
        Adapter ad = adapters == null ? null : adapters.on(l, p);
        if (ad == null) return y;
        float[] xd = dropped(work, x, rows, ad.in, adapters, l, p);
        float[] t = work.zeroed(rows * ad.rank);
        Gemm.xwT(xd, rows, ad.aMatrix(), t, false);
        if (xd != x) work.release(xd);
        VectorOps.scale(t, 0, t.length, ad.scale);
        Gemm.xwT(t, rows, ad.bMatrix(), y, true);
        if (kept != null) kept[p.ordinal()] = t;
        else work.release(t);
        return y;
    }

    /**
     * Backward of the adapter's branch on (l, p), if any: ∂L/∂B += dyᵀ·t (t = s·drop(x)·Aᵀ kept by
     * forward), u = s·dy·B, ∂L/∂A += uᵀ·drop(x), and dx += drop'(u·A), where dx already holds dy·W.
     */
    static void adapterBackward(WorkArrays work, Adapters adapters, int l, Param p, float[] dy, float[] x,
                                float[][] kept, int rows, float[] dx) {
        Adapter ad = adapters == null ? null : adapters.on(l, p);
        if (ad == null) return;
        float[] t = kept[p.ordinal()];
        Gemm.atb(dy, t, rows, ad.out, ad.rank, ad.gradB, true);
        float[] u = work.zeroed(rows * ad.rank);
        Gemm.xw(dy, rows, ad.bMatrix(), u, false);
        VectorOps.scale(u, 0, u.length, ad.scale);
        float[] xd = dropped(work, x, rows, ad.in, adapters, l, p);
        Gemm.atb(u, xd, rows, ad.rank, ad.in, ad.gradA, true);
        if (xd == x) {
            Gemm.xw(u, rows, ad.aMatrix(), dx, true);
        } else {
            float[] dxd = work.zeroed(rows * ad.in);
            Gemm.xw(u, rows, ad.aMatrix(), dxd, false);
            dropInPlace(dxd, adapters.dropout(), adapters.dropoutSeed(), l, p);    // same mask, same 1/(1−p)
            for (int i = 0; i < dxd.length; i++) dx[i] += dxd[i];
            work.release(dxd, xd);
        }
        work.release(u);
    }

    /** x with the pass's dropout applied (x itself when there is none). */
    private static float[] dropped(WorkArrays work, float[] x, int rows, int cols, Adapters adapters, int l, Param p) {
        float rate = adapters.dropout();
        if (rate <= 0f) return x;
        float[] xd = work.copyOf(x);
        dropInPlace(xd, rate, adapters.dropoutSeed(), l, p);
        return xd;
    }

    /** Zeroes element i with probability {@code rate} (a hash of seed, layer, projection and i), scales the rest by 1/(1−rate). */
    static void dropInPlace(float[] v, float rate, long seed, int l, Param p) {
        long base = mix(seed ^ mix(((long) l << 8) + p.ordinal() + 1));
        long threshold = (long) (rate * (1L << 53));
        float keep = 1f / (1f - rate);
        for (int i = 0; i < v.length; i++) {
            long h = mix(base + i) >>> 11;       // 53 uniform bits
            v[i] = h < threshold ? 0f : v[i] * keep;
        }
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** dx (+)= dy·W. */
    static void dX(float[] dy, int rows, Matrix w, float[] dx, boolean accumulate) {
        Gemm.xw(dy, rows, w, dx, accumulate);
    }

    /** dW = dyᵀ·x, handed to the sink if wanted (and valid only during its call). */
    static void dW(GradientSink sink, int l, Param p, Matrix w, float[] dy, float[] x, int rows, WorkArrays work) {
        if (w == null || !sink.wants(l, p)) return;
        int window = sink.windowRows();
        if (window > 0) {       // per window: dW_i = dy_iᵀ·x_i over the window's rows
            float[] dw = work.zeroed(Math.toIntExact(w.size()));
            for (int i = 0; i < rows / window; i++) {
                float[] dyi = java.util.Arrays.copyOfRange(dy, i * window * w.rows(), (i + 1) * window * w.rows());
                float[] xi = java.util.Arrays.copyOfRange(x, i * window * w.cols(), (i + 1) * window * w.cols());
                Gemm.atb(dyi, xi, window, w.rows(), w.cols(), dw, false);
                sink.acceptWindow(l, p, w, i, dw);
            }
            work.release(dw);
            return;
        }
        float[] dw = work.zeroed(Math.toIntExact(w.size()));
        Gemm.atb(dy, x, rows, w.rows(), w.cols(), dw, false);
        sink.accept(l, p, w, dw);
        work.release(dw);
    }

    /** db = Σ_rows dy (in double), handed to the sink if the bias exists and is wanted. */
    static void db(GradientSink sink, int l, Param p, Matrix b, float[] dy, int rows) {
        if (b == null || !sink.wants(l, p)) return;
        int n = b.cols(), window = sink.windowRows();
        if (window > 0) {
            for (int i = 0; i < rows / window; i++) {
                double[] sum = new double[n];
                for (int r = i * window; r < (i + 1) * window; r++) for (int j = 0; j < n; j++) sum[j] += dy[r * n + j];
                sink.acceptWindow(l, p, b, i, toFloat(sum));
            }
            return;
        }
        double[] sum = new double[n];
        for (int r = 0; r < rows; r++) for (int i = 0; i < n; i++) sum[i] += dy[r * n + i];
        sink.accept(l, p, b, toFloat(sum));
    }

    /** Adds {@code bias} (when present) to each of the rows of y. */
    static void addBias(float[] bias, float[] y, int rows) {
        if (bias == null) return;
        int n = bias.length;
        for (int r = 0; r < rows; r++) VectorOps.add(bias, 0, y, r * n, n);
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
