package dev.lopper.model;

import dev.lopper.tensor.Parallel;

/**
 * The group masks as an op pair: y = a ⊙ mask, with mask[j] scaling the {@code width}
 * consecutive columns of group j (the group table's width on the output projection: an
 * attention group's g·headDim columns, an MLP channel's one).
 */
final class GroupMask {
    private GroupMask() {}

    /** A copy of a [rows, groups·width] activation with group j scaled by mask[j]; {@code a} itself without a mask. */
    static float[] forward(WorkArrays work, float[] a, int rows, float[] mask, int width) {
        if (mask == null) return a;
        float[] out = work.zeroed(a.length);
        int cols = mask.length * width;
        Parallel.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * cols;
                for (int j = 0; j < mask.length; j++) {
                    float m = mask[j];
                    int o = off + j * width;
                    for (int i = 0; i < width; i++) out[o + i] = a[o + i] * m;
                }
            }
        });
        return out;
    }

    /**
     * Backward of {@link #forward}: returns ∂L/∂a and adds ∂L/∂mask into maskGrad when not null
     * ({@code dy} itself without a mask).
     */
    static float[] backward(WorkArrays work, float[] dy, float[] a, int rows, float[] mask, double[] maskGrad,
                            int width) {
        if (mask == null) return dy;
        int cols = mask.length * width;
        if (maskGrad != null) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < mask.length; j++) {
                    int o = r * cols + j * width;
                    double acc = 0;
                    for (int i = 0; i < width; i++) acc += (double) dy[o + i] * a[o + i];
                    maskGrad[j] += acc;
                }
            }
        }
        float[] out = work.zeroed(dy.length);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < mask.length; j++) {
                int o = r * cols + j * width;
                float m = mask[j];
                for (int i = 0; i < width; i++) out[o + i] = dy[o + i] * m;
            }
        }
        return out;
    }
}
