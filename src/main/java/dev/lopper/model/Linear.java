package dev.lopper.model;

import dev.lopper.tensor.Gemm;
import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.VectorOps;

/**
 * A linear layer y = x·Wᵀ + b (W in HF layout [out, in]) with its three backward products:
 * ∂L/∂x = dy·W, ∂L/∂W = dyᵀ·x, ∂L/∂b = Σ_rows dy. Weight and bias gradients go to a
 * {@link GradientSink} only when it wants them. (Where LoRA adapters will hook in.)
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
