package dev.lopper.model;

/**
 * Group masks by row block: rows [from(i), to(i)) of an activation go under {@code masks[i]}.
 * One block (every row, {@link #whole}) is a plain masked pass; several are batches stacked into
 * one activation, each under its own masks and summing its own mask gradients (HyWIA's fusion
 * passes, so that each weight feeds one product of all their rows instead of one per batch).
 */
final class MaskBlocks {
    private static final MaskBlocks NONE = new MaskBlocks(new Masks[] {null}, new int[] {0, Integer.MAX_VALUE});

    private final Masks[] masks;
    private final int[] starts;     // block i is rows [starts[i], starts[i + 1])

    private MaskBlocks(Masks[] masks, int[] starts) {
        this.masks = masks;
        this.starts = starts;
    }

    /** Every row under {@code masks} (null: no masks). */
    static MaskBlocks whole(Masks masks) {
        return masks == null ? NONE : new MaskBlocks(new Masks[] {masks}, new int[] {0, Integer.MAX_VALUE});
    }

    /** Consecutive blocks of {@code rows[i]} rows, block i under {@code masks[i]} (none null). */
    static MaskBlocks stacked(Masks[] masks, int[] rows) {
        if (masks.length != rows.length) throw new IllegalArgumentException(masks.length + " masks for " + rows.length + " blocks");
        int[] starts = new int[rows.length + 1];
        for (int i = 0; i < rows.length; i++) {
            if (masks[i] == null) throw new IllegalArgumentException("block " + i + " has no masks");
            starts[i + 1] = starts[i] + rows[i];
        }
        return new MaskBlocks(masks.clone(), starts);
    }

    /** Whether any row is masked. */
    boolean masked() { return masks[0] != null; }

    int count() { return masks.length; }

    /** The first row of block i. */
    int from(int i) { return starts[i]; }

    /** The row after block i's last, at most {@code rows}. */
    int to(int i, int rows) { return Math.min(starts[i + 1], rows); }

    /** Block i's mask values of one kind in a layer. */
    float[] values(int i, GroupKind kind, int layer) {
        return masks[i].values(kind, layer);
    }

    /** Block i's mask gradients of one kind in a layer; null when they are not tracked. */
    double[] gradients(int i, GroupKind kind, int layer) {
        return masks[i].gradients(kind, layer);
    }
}
