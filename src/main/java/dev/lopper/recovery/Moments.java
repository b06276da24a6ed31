package dev.lopper.recovery;

import dev.lopper.tensor.Parallel;

/**
 * The sums over calibration tokens that the least-squares re-fit of one consumer (o_proj or
 * down_proj) needs, in double. With x the dense model's input of the consumer (its {@code in}
 * columns) extended by a constant 1 (the bias's input), x̃ the input the re-fitted layer will see
 * (the dense one in one-shot mode, the pruned model's in sequential mode), F the free inputs (kept
 * columns whose weights are re-fitted, and/or the constant) and X the fixed kept columns:
 * <pre>
 *   m = Σ_t [x_t; 1] · x̃_{t,F}ᵀ        [(in+1) × |F|]   the target's cross terms
 *   h = Σ_t x̃_{t,F} · x̃_{t,F}ᵀ         [|F| × |F|]      the Gram of the free inputs
 *   q = Σ_t x̃_{t,X} · x̃_{t,F}ᵀ         [|X| × |F|]      the fixed inputs' cross terms
 * </pre>
 * In one-shot mode x̃ = x, so h and q are rows of m and only m is accumulated. Memory: these
 * matrices of one consumer of one layer; tokens stream through {@link #add} a batch at a time.
 *
 * <p>Sums are taken token by token in a fixed order and split across threads by rows of the
 * result only, so the same inputs give the same bits on any thread count.
 */
public final class Moments {
    private final int in;
    private final int[] freeCols;
    private final boolean freeBias;
    private final int[] fixedCols;
    private final boolean paired;
    private final int f;
    private long count;
    final double[] m;
    private final double[] h, q;

    /**
     * @param in        the consumer's dense input width
     * @param freeCols  dense input columns whose weights are re-fitted, ascending
     * @param freeBias  whether the bias is re-fitted (the constant input is free)
     * @param fixedCols kept dense input columns whose weights stay as they are
     * @param paired    sequential mode: x̃ differs from x and comes separately
     */
    public Moments(int in, int[] freeCols, boolean freeBias, int[] fixedCols, boolean paired) {
        this.in = in;
        this.freeCols = freeCols.clone();
        this.freeBias = freeBias;
        this.fixedCols = fixedCols.clone();
        this.paired = paired;
        this.f = freeCols.length + (freeBias ? 1 : 0);
        this.m = new double[(in + 1) * f];
        this.h = paired ? new double[f * f] : null;
        this.q = paired ? new double[fixedCols.length * f] : null;
    }

    /**
     * One-shot moments of a bias-only fit from per-column sums of the dense input (what
     * {@link dev.lopper.calib.ActivationStats} keeps): m = [Σx; n], the only statistics a fit of
     * the constant alone needs.
     */
    public static Moments ofSums(double[] sums, long count, int[] keptCols) {
        Moments mo = new Moments(sums.length, new int[0], true, keptCols, false);
        System.arraycopy(sums, 0, mo.m, 0, sums.length);
        mo.m[sums.length] = count;
        mo.count = count;
        return mo;
    }

    /**
     * Adds {@code rows} tokens: {@code x} the dense input [rows, in], {@code xt} the input the
     * re-fitted layer sees, in the dense model's column layout [rows, in] (removed columns are not
     * read); {@code xt} must be {@code x} (or null) unless the moments are paired.
     */
    public void add(float[] x, float[] xt, int rows) {
        if (xt == null) xt = x;
        if (!paired && xt != x) throw new IllegalArgumentException("one-shot moments take the dense input only");
        int n1 = in + 1;
        double[] xT = new double[n1 * rows];              // [in+1, rows]: x transposed, with the constant row
        for (int r = 0; r < rows; r++) {
            int base = r * in;
            for (int i = 0; i < in; i++) xT[i * rows + r] = x[base + i];
            xT[in * rows + r] = 1;
        }
        double[] v = free(xt, rows);                       // [rows, f]
        accumulate(m, xT, n1, v, rows);
        if (paired) {
            accumulate(h, transpose(v, rows, f), f, v, rows);
            if (fixedCols.length > 0) {
                double[] xfT = new double[fixedCols.length * rows];
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < fixedCols.length; j++) xfT[j * rows + r] = xt[r * in + fixedCols[j]];
                accumulate(q, xfT, fixedCols.length, v, rows);
            }
        }
        count += rows;
    }

    /** The free inputs of each row, [rows, f]: the free columns, then the constant 1 when the bias is free. */
    private double[] free(float[] xt, int rows) {
        double[] v = new double[rows * f];
        for (int r = 0; r < rows; r++) {
            int base = r * in, o = r * f;
            for (int j = 0; j < freeCols.length; j++) v[o + j] = xt[base + freeCols[j]];
            if (freeBias) v[o + f - 1] = 1;
        }
        return v;
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[rows * cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    /** acc[p × f] += aT[p × rows] · v[rows × f], rows of acc split across threads, rows of v in order. */
    private void accumulate(double[] acc, double[] aT, int p, double[] v, int rows) {
        int fw = f;
        Parallel.forRange(p, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ai = i * rows, oi = i * fw;
                for (int r = 0; r < rows; r++) {
                    double a = aT[ai + r];
                    if (a == 0) continue;
                    int vr = r * fw;
                    for (int j = 0; j < fw; j++) acc[oi + j] += a * v[vr + j];
                }
            }
        });
    }

    public long count() { return count; }

    public int inputs() { return in; }

    /** Number of free inputs |F|. */
    public int free() { return f; }

    public int[] freeCols() { return freeCols.clone(); }

    public boolean freeBias() { return freeBias; }

    public int[] fixedCols() { return fixedCols.clone(); }

    public boolean paired() { return paired; }

    /** Dense input index of free input j (in for the constant). */
    int freeIndex(int j) {
        return j < freeCols.length ? freeCols[j] : in;
    }

    /** Σ [x;1]_i · x̃_{F,j}. */
    double m(int i, int j) { return m[i * f + j]; }

    /** Σ x̃_{F,a} · x̃_{F,b}. */
    double h(int a, int b) { return paired ? h[a * f + b] : m[freeIndex(a) * f + b]; }

    /** Σ x̃_{X,k} · x̃_{F,j} over the fixed kept columns X. */
    double q(int k, int j) { return paired ? q[k * f + j] : m[fixedCols[k] * f + j]; }
}
