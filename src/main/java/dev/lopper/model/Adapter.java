package dev.lopper.model;

import dev.lopper.tensor.Matrix;

/**
 * One low-rank adapter (LoRA, Hu et al. 2021) on a linear layer W [out, in]:
 * y = x·Wᵀ + b + s·(drop(x)·Aᵀ)·Bᵀ with A [rank, in], B [out, rank] and s = α/r (PEFT's
 * layout and scaling). Forward and backward run inside {@link Transformer}'s {@code Linear}
 * op pair; backward adds ∂L/∂A and ∂L/∂B into {@link #gradA} and {@link #gradB} (never a
 * gradient of W), and the caller zeroes them between optimiser steps.
 */
public final class Adapter {
    public final int rank, in, out;
    public final float scale;
    /** A [rank, in], row-major; updated in place by the optimiser. */
    public final float[] a;
    /** B [out, rank], row-major; updated in place by the optimiser. */
    public final float[] b;
    /** Σ ∂L/∂A and Σ ∂L/∂B over backward calls since the last {@link #zeroGradients}. */
    public final float[] gradA, gradB;
    private final Matrix aView, bView;

    public Adapter(int rank, int in, int out, float scale, float[] a, float[] b) {
        if (rank <= 0) throw new IllegalArgumentException("rank " + rank);
        if (a.length != (long) rank * in || b.length != (long) out * rank)
            throw new IllegalArgumentException("A of " + a.length + " and B of " + b.length + " for rank " + rank
                    + ", in " + in + ", out " + out);
        this.rank = rank;
        this.in = in;
        this.out = out;
        this.scale = scale;
        this.a = a;
        this.b = b;
        this.gradA = new float[a.length];
        this.gradB = new float[b.length];
        this.aView = Matrix.wrap(a, rank, in);
        this.bView = Matrix.wrap(b, out, rank);
    }

    Matrix aMatrix() { return aView; }

    Matrix bMatrix() { return bView; }

    public void zeroGradients() {
        java.util.Arrays.fill(gradA, 0f);
        java.util.Arrays.fill(gradB, 0f);
    }

    /** ΔW = s·B·A [out, in], what merging adds to the base weight. */
    public float[] delta() {
        float[] d = new float[out * in];
        float[] bt = new float[rank * out];
        for (int o = 0; o < out; o++) for (int j = 0; j < rank; j++) bt[j * out + o] = b[o * rank + j];
        dev.lopper.tensor.Gemm.atb(bt, a, rank, out, in, d, false);     // d[out, in] = btᵀ[out, rank] · a[rank, in]
        for (int i = 0; i < d.length; i++) d[i] *= scale;
        return d;
    }
}
