package dev.lopper.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Small fp32 vector primitives on the Vector API, used by kernels and layers. */
public final class VectorOps {
    static final VectorSpecies<Float> S = Simd.FLOAT;
    static final int L = S.length();

    private VectorOps() {}

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        float s = sumLanes(acc0.add(acc1));
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    /** y += alpha * x */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);   // as the lanes: one rounding
    }

    /**
     * out[0..d) = Σ_j w[j] · v[vOff + j·stride .. + d), j in [0, n): a weighted sum of rows,
     * accumulated in registers one block of up to four vectors at a time (attention's P·V, where
     * d is a head size of 32–128 and a row-by-row axpy would reload the output for every row).
     */
    public static void weightedRowSum(float[] w, int n, float[] v, int vOff, int stride, int d, float[] out,
                                      int outOff) {
        weightedRowSum(w, 0, n, v, vOff, stride, d, out, outOff);
    }

    /** {@link #weightedRowSum(float[], int, float[], int, int, int, float[], int)} with weights from w[wOff..]. */
    public static void weightedRowSum(float[] w, int wOff, int n, float[] v, int vOff, int stride, int d,
                                      float[] out, int outOff) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0, row = vOff + c; j < n; j++, row += stride) {
                FloatVector wj = FloatVector.broadcast(S, w[wOff + j]);
                a0 = FloatVector.fromArray(S, v, row).fma(wj, a0);
                a1 = FloatVector.fromArray(S, v, row + L).fma(wj, a1);
                a2 = FloatVector.fromArray(S, v, row + 2 * L).fma(wj, a2);
                a3 = FloatVector.fromArray(S, v, row + 3 * L).fma(wj, a3);
            }
            a0.intoArray(out, outOff + c);
            a1.intoArray(out, outOff + c + L);
            a2.intoArray(out, outOff + c + 2 * L);
            a3.intoArray(out, outOff + c + 3 * L);
        }
        for (; c + L <= d; c += L) {
            FloatVector a = FloatVector.zero(S);
            for (int j = 0, row = vOff + c; j < n; j++, row += stride) {
                a = FloatVector.fromArray(S, v, row).fma(FloatVector.broadcast(S, w[wOff + j]), a);
            }
            a.intoArray(out, outOff + c);
        }
        for (; c < d; c++) {
            float s = 0;
            for (int j = 0, row = vOff + c; j < n; j++, row += stride) s += w[wOff + j] * v[row];
            out[outOff + c] = s;
        }
    }

    /** x[0..n) = softmax(scale · x[0..n)), exponentials on the vector unit. */
    public static void softmaxInPlace(float[] x, int n, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        float sum = expShifted(x, 0, n, scale, -max * scale, true);
        scale(x, 0, n, 1f / sum);
    }

    /**
     * Returns Σ exp(scale·x[i] + shift) over x[off..off+n), overwriting x with the terms when
     * {@code store}. Partial sums are kept per lane and added in double.
     */
    public static float expShifted(float[] x, int off, int n, float scale, float shift, boolean store) {
        FloatVector vs = FloatVector.broadcast(S, scale), vb = FloatVector.broadcast(S, shift);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, x, off + i).fma(vs, vb));
            if (store) e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        double sum = sumLanes(acc);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] * scale + shift);
            if (store) x[off + i] = e;
            sum += e;
        }
        return (float) sum;
    }

    /**
     * y[i] = x[i]·σ(x[i]) (SiLU) times u[i], on the vector unit. The tail runs masked through the
     * same lane arithmetic, so y[i] does not depend on where a caller cuts [from, to) (callers
     * split it by thread; a scalar tail with Math.exp gave other bits at the cuts).
     */
    public static void siluMul(float[] x, float[] u, float[] y, int from, int to) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = from;
        for (; i <= to - L; i += L) {
            FloatVector g = FloatVector.fromArray(S, x, i);
            FloatVector sig = one.div(one.add(exp(g.neg())));
            g.mul(sig).mul(FloatVector.fromArray(S, u, i)).intoArray(y, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, x, i, m);
            FloatVector sig = one.div(one.add(exp(g.neg())));
            g.mul(sig).mul(FloatVector.fromArray(S, u, i, m)).intoArray(y, i, m);
        }
    }

    // Determinism: the Vector API's EXP and the lane order of reduceLanes may differ between its
    // Java fallback (before the JIT compiles a method) and the compiled intrinsic, so results
    // would depend on JIT timing. exp and sumLanes below use only exactly rounded operations
    // (fma, add, mul, integer ops), which give the same bits either way.

    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693145752f, LN2_LO = 1.42860677e-6f;
    private static final float ROUNDER = 12582912f;      // 1.5·2²³: adding and subtracting it rounds to an integer

    /** e^x per lane, within about 2 ulp; inputs below −87.3 give ~1e−38, above 88.7 are clamped. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(-87.3f).min(88.7f);
        FloatVector n = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER)).sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x).sub(n.mul(LN2_LO));     // |r| ≤ ln2/2
        // Taylor polynomial of e^r to degree 7, Horner form
        FloatVector p = FloatVector.broadcast(S, 1f / 5040);
        p = p.fma(r, FloatVector.broadcast(S, 1f / 720));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(S, 0.5f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        // 2ⁿ from the exponent bits
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    /** The sum of a vector's lanes, added in lane order. */
    public static float sumLanes(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** y = a ⊙ b */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, aOff + i).mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = a[aOff + i] * b[bOff + i];
    }

    /** y += x */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xOff + i).add(FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    /** x *= alpha */
    public static void scale(float[] x, int off, int n, float alpha) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= alpha;
    }
}
