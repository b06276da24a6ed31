package dev.lopper.model;

import java.util.Arrays;

/**
 * Multiplicative masks on prunable groups: one value per query head (multiplies that head's
 * attention output before o_proj) and one per MLP channel (multiplies silu(gate)·up before
 * down_proj). 1 = kept, 0 = pruned; soft values in between are allowed (HyWIA). Backward
 * fills the gradients of the loss with respect to the masks when {@link #trackGradients}.
 */
public final class Masks {
    public final float[][] heads;
    public final float[][] channels;
    public final double[][] headGrad;
    public final double[][] channelGrad;

    private Masks(float[][] heads, float[][] channels, boolean grads) {
        this.heads = heads;
        this.channels = channels;
        this.headGrad = grads ? new double[heads.length][] : null;
        this.channelGrad = grads ? new double[channels.length][] : null;
        if (grads) {
            for (int i = 0; i < heads.length; i++) {
                headGrad[i] = new double[heads[i].length];
                channelGrad[i] = new double[channels[i].length];
            }
        }
    }

    /** All-ones masks for the model's shapes. */
    public static Masks ones(ModelConfig c, boolean trackGradients) {
        float[][] h = new float[c.numLayers()][];
        float[][] ch = new float[c.numLayers()][];
        for (int i = 0; i < c.numLayers(); i++) {
            h[i] = new float[c.layer(i).heads()];
            ch[i] = new float[c.layer(i).intermediate()];
            Arrays.fill(h[i], 1f);
            Arrays.fill(ch[i], 1f);
        }
        return new Masks(h, ch, trackGradients);
    }

    public boolean trackGradients() { return headGrad != null; }

    public void zeroGradients() {
        if (headGrad == null) return;
        for (double[] g : headGrad) Arrays.fill(g, 0);
        for (double[] g : channelGrad) Arrays.fill(g, 0);
    }

    /** Masks out (sets to 0) all query heads of kv group {@code group} in a layer. */
    public void dropAttentionGroup(int layer, int group, int groupSize) {
        Arrays.fill(heads[layer], group * groupSize, (group + 1) * groupSize, 0f);
    }
}
