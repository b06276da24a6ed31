package dev.lopper.model;

import dev.lopper.tensor.Matrix;

/**
 * One norm of a model (a block's, the final one, BLOOM's embedding norm) with its weights
 * widened to fp32: RMSNorm or LayerNorm as the family says. Per-row statistics go into a
 * {@code stats} array of 2·rows floats (RMSNorm uses the first half) kept for backward.
 */
final class Norm {
    /** The gradients of a norm's parameters; {@code bias} is null for RMSNorm. */
    record Grads(double[] weight, double[] bias) {}

    private final BlockOps.Norm kind;
    private final float[] w, b;
    private final float eps;

    Norm(BlockOps.Norm kind, Matrix weight, Matrix bias, float eps) {
        this.kind = kind;
        this.w = weight.toFloats();
        this.b = kind == BlockOps.Norm.LAYER ? bias.toFloats() : null;
        this.eps = eps;
    }

    /** y = norm(x) row by row; statistics into stats (2·rows) when not null. */
    void forward(float[] x, float[] y, float[] stats, int rows, int dim) {
        if (kind == BlockOps.Norm.RMS) RmsNorm.forward(x, w, eps, y, stats, rows, dim);
        else LayerNorm.forward(x, w, b, eps, y, stats, rows, dim);
    }

    /** dx += ∂L/∂x; returns the parameter gradients, or null when not wanted. */
    Grads backward(float[] x, float[] stats, float[] dy, float[] dx, int rows, int dim, boolean wantParamGrads) {
        if (kind == BlockOps.Norm.RMS) {
            double[] dw = RmsNorm.backward(x, w, stats, dy, dx, rows, dim, wantParamGrads);
            return dw == null ? null : new Grads(dw, null);
        }
        double[][] g = LayerNorm.backward(x, w, stats, dy, dx, rows, dim, wantParamGrads);
        return g == null ? null : new Grads(g[0], g[1]);
    }
}
