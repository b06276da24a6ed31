package dev.lopper.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Which ALiBi slope each attention head of each layer uses. A dense model's head h uses slope h
 * of {@code total} (Press et al.'s geometric sequence, as HF's BLOOM and Baichuan build it);
 * pruning removes heads and with them their slopes, so a pruned layer lists the dense indices
 * of the heads it kept. An empty {@code perLayer} means every layer is dense.
 */
public record AlibiHeads(int total, List<List<Integer>> perLayer) {
    public AlibiHeads {
        perLayer = perLayer.stream().map(List::copyOf).toList();
    }

    /** Every layer keeps all {@code total} heads. */
    public static AlibiHeads dense(int total) { return new AlibiHeads(total, List.of()); }

    public boolean isDense() { return perLayer.isEmpty(); }

    /** Dense indices of the heads of layer {@code layer} (of {@code heads} heads). */
    public int[] indices(int layer, int heads) {
        if (isDense()) {
            int[] idx = new int[heads];
            for (int i = 0; i < heads; i++) idx[i] = i;
            return idx;
        }
        return perLayer.get(layer).stream().mapToInt(Integer::intValue).toArray();
    }

    /** The slopes of layer {@code layer}'s heads, in head order. */
    public float[] slopes(int layer, int heads) {
        double[] all = slopes(total);
        int[] idx = indices(layer, heads);
        if (idx.length != heads)
            throw new IllegalArgumentException("layer " + layer + " has " + heads + " heads but " + idx.length + " ALiBi slopes");
        float[] s = new float[heads];
        for (int i = 0; i < heads; i++) s[i] = (float) all[idx[i]];
        return s;
    }

    /** Keeps, in every layer, the heads at positions {@code kept[layer]} of that layer's current heads. */
    public AlibiHeads select(int[][] keptHeads, List<LayerShape> current) {
        List<List<Integer>> out = new ArrayList<>();
        for (int l = 0; l < keptHeads.length; l++) {
            int[] idx = indices(l, current.get(l).heads());
            List<Integer> kept = new ArrayList<>();
            for (int k : keptHeads[l]) kept.add(idx[k]);
            out.add(kept);
        }
        return new AlibiHeads(total, out);
    }

    /**
     * The ALiBi slopes for n heads: for n a power of two, 2^(−8(i+1)/n); otherwise those of the
     * largest power of two p below n, followed by every other slope of 2p (HF's
     * build_alibi_tensor / Baichuan's _get_interleave).
     */
    public static double[] slopes(int n) {
        if (n == 0) return new double[0];
        int p = Integer.highestOneBit(n);
        double[] out = new double[n];
        double start = Math.pow(2, -8.0 / p);
        for (int i = 0; i < p; i++) out[i] = Math.pow(start, i + 1);
        if (p < n) {
            double extra = Math.pow(2, -8.0 / (2 * p));
            for (int i = 0; i < n - p; i++) out[p + i] = Math.pow(extra, 2 * i + 1);
        }
        return out;
    }
}
