package dev.lopper.model;

import java.util.Arrays;

/**
 * Multiplicative masks on prunable groups, laid out by the group table ({@link GroupAxis}): per
 * group kind and layer, one value per group, which scales the group's input columns of the
 * kind's output projection (an attention group's query heads before o_proj, an MLP channel's
 * activation before down_proj; {@link GroupAxis#output}). 1 = kept, 0 = pruned; soft values in
 * between are allowed (HyWIA). Backward adds the gradients of the loss with respect to the mask
 * values into {@link #gradients} when the masks track them.
 */
public final class Masks {
    private final float[][][] values;      // [kind][layer][group]
    private final double[][][] grads;      // same shape, or null

    private Masks(ModelConfig c, boolean grads) {
        GroupKind[] kinds = GroupKind.values();
        values = new float[kinds.length][c.numLayers()][];
        this.grads = grads ? new double[kinds.length][c.numLayers()][] : null;
        for (GroupKind k : kinds) {
            for (int l = 0; l < c.numLayers(); l++) {
                int n = GroupAxis.groups(k, c.layer(l));
                values[k.ordinal()][l] = new float[n];
                Arrays.fill(values[k.ordinal()][l], 1f);
                if (grads) this.grads[k.ordinal()][l] = new double[n];
            }
        }
    }

    /** All-ones masks for the model's shapes. */
    public static Masks ones(ModelConfig c, boolean trackGradients) {
        return new Masks(c, trackGradients);
    }

    /** The mask values of one kind's groups in a layer (writable: one entry per group). */
    public float[] values(GroupKind kind, int layer) {
        return values[kind.ordinal()][layer];
    }

    /** ∂L/∂mask of one kind's groups in a layer, summed over backward calls since {@link #zeroGradients}; null when not tracked. */
    public double[] gradients(GroupKind kind, int layer) {
        return grads == null ? null : grads[kind.ordinal()][layer];
    }

    public boolean trackGradients() { return grads != null; }

    public void zeroGradients() {
        if (grads == null) return;
        for (double[][] kind : grads) for (double[] g : kind) Arrays.fill(g, 0);
    }

    /** Masks out (sets to 0) one group. */
    public void drop(GroupKind kind, int layer, int group) {
        values[kind.ordinal()][layer][group] = 0f;
    }
}
