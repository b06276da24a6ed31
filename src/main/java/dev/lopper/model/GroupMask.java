package dev.lopper.model;

import dev.lopper.tensor.Parallel;

/**
 * The group masks as an op pair: y = a ⊙ mask, with mask[j] scaling the {@code width}
 * consecutive columns of group j (the group table's width on the output projection: an
 * attention group's g·headDim columns, an MLP channel's one). Rows take the mask of their
 * {@link MaskBlocks} block.
 */
final class GroupMask {
    private GroupMask() {}

    /** A copy of a [rows, groups·width] activation with group j scaled by its row's mask[j]; {@code a} itself without masks. */
    static float[] forward(WorkArrays work, float[] a, int rows, MaskBlocks masks, GroupKind kind, int layer, int width) {
        if (!masks.masked()) return a;
        float[] out = work.zeroed(a.length);
        for (int b = 0; b < masks.count(); b++) {
            float[] mask = masks.values(b, kind, layer);
            int cols = mask.length * width, first = masks.from(b);
            Parallel.forRange(masks.to(b, rows) - first, 16,
                    (from, to) -> scale(a, out, first + from, first + to, mask, cols, width));
        }
        return out;
    }

    /**
     * Backward of {@link #forward}: returns ∂L/∂a and adds ∂L/∂mask into each block's mask
     * gradients when they are tracked ({@code dy} itself without masks).
     */
    static float[] backward(WorkArrays work, float[] dy, float[] a, int rows, MaskBlocks masks, GroupKind kind, int layer,
                            int width) {
        if (!masks.masked()) return dy;
        float[] out = work.zeroed(dy.length);
        for (int b = 0; b < masks.count(); b++) {
            float[] mask = masks.values(b, kind, layer);
            double[] maskGrad = masks.gradients(b, kind, layer);
            int cols = mask.length * width, from = masks.from(b), to = masks.to(b, rows);
            if (maskGrad != null) {
                for (int r = from; r < to; r++) {
                    for (int j = 0; j < mask.length; j++) {
                        int o = r * cols + j * width;
                        double acc = 0;
                        for (int i = 0; i < width; i++) acc += (double) dy[o + i] * a[o + i];
                        maskGrad[j] += acc;
                    }
                }
            }
            scale(dy, out, from, to, mask, cols, width);
        }
        return out;
    }

    /** out = in ⊙ mask over rows [from, to). */
    private static void scale(float[] in, float[] out, int from, int to, float[] mask, int cols, int width) {
        for (int r = from; r < to; r++) {
            int off = r * cols;
            for (int j = 0; j < mask.length; j++) {
                float m = mask[j];
                int o = off + j * width;
                for (int i = 0; i < width; i++) out[o + i] = in[o + i] * m;
            }
        }
    }
}
