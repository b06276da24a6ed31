package dev.lopper.model;

import dev.lopper.tensor.Parallel;
import dev.lopper.tensor.VectorOps;

/**
 * The MLP's elementwise part, forward and backward: SwiGLU act = silu(g)·u (LLaMA, Baichuan) or
 * GELU act = gelu(u) with BLOOM's tanh approximation 0.5·u·(1 + tanh(0.79788456·u·(1 + 0.044715·u²)))
 * (no gate; g is unused).
 */
final class MlpActivation {
    private static final float C = 0.79788456f, A = 0.044715f;

    private MlpActivation() {}

    static void forward(BlockOps.Mlp kind, float[] g, float[] u, float[] act, int n) {
        if (kind == BlockOps.Mlp.SWIGLU) {
            Parallel.forRange(n, 4096, (from, to) -> VectorOps.siluMul(g, u, act, from, to));
        } else {
            Parallel.forRange(n, 4096, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float x = u[i];
                    act[i] = x * 0.5f * (1f + (float) StrictMath.tanh(C * x * (1f + A * x * x)));
                }
            });
        }
    }

    /** From ∂L/∂act computes ∂L/∂g (SwiGLU only; dG may be null for GELU) and ∂L/∂u. */
    static void backward(BlockOps.Mlp kind, float[] g, float[] u, float[] dAct, float[] dG, float[] dU, int n) {
        if (kind == BlockOps.Mlp.SWIGLU) {
            Parallel.forRange(n, 4096, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float gi = g[i];
                    float sig = 1f / (1f + (float) Math.exp(-gi));
                    float si = gi * sig;
                    dU[i] = dAct[i] * si;
                    dG[i] = dAct[i] * u[i] * sig * (1f + gi * (1f - sig));
                }
            });
        } else {
            Parallel.forRange(n, 4096, (from, to) -> {
                for (int i = from; i < to; i++) {
                    float x = u[i];
                    float t = (float) StrictMath.tanh(C * x * (1f + A * x * x));
                    float d = 0.5f * x * ((1f - t * t) * (C + 3 * C * A * x * x)) + 0.5f * (1f + t);
                    dU[i] = dAct[i] * d;
                }
            });
        }
    }
}
