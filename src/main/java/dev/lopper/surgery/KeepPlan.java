package dev.lopper.surgery;

/**
 * Which groups survive: per layer, the kept kv-head indices and the kept MLP channel indices,
 * each sorted ascending. Optional bias compensation (FLAP): per layer, a vector added to the
 * o_proj bias and one added to the down_proj bias (null when none).
 */
public record KeepPlan(int[][] keptKvHeads, int[][] keptChannels, float[][] oBiasDelta, float[][] downBiasDelta) {
    public KeepPlan(int[][] keptKvHeads, int[][] keptChannels) {
        this(keptKvHeads, keptChannels, null, null);
    }

    public int layers() { return keptKvHeads.length; }
}
