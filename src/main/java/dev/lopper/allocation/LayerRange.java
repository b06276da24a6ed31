package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.Setting;

/** The layers [start, end) that may be pruned; the others stay untouched. */
public record LayerRange(int start, int end) {

    public static LayerRange all(int layers) {
        return new LayerRange(0, layers);
    }

    /**
     * LLM-Pruner's range: [4, n−2) (the first four and the last two layers kept whole), as
     * published for models of 32 layers or more. On shallower models, where [4, n−2) is empty or
     * a sliver, <em>Lopper's design</em> keeps the same proportions, 4/32 of the layers at the
     * start and 2/32 at the end, each rounded and at least one: [1, 7) on 8 layers, [2, 15) on
     * 16, [1, 4) on 5; a model of one or two layers is pruned whole.
     */
    public static LayerRange llmPruner(int layers) {
        if (layers >= 32) return new LayerRange(4, layers - 2);
        int first = Math.max(1, Math.round(layers * 4 / 32f));
        int last = Math.max(1, Math.round(layers * 2 / 32f));
        return layers - last > first ? new LayerRange(first, layers - last) : all(layers);
    }

    public boolean contains(int layer) {
        return layer >= start && layer < end;
    }

    public int size() { return end - start; }

    /** Throws when the range is empty or reaches outside a model of {@code layers} layers. */
    public void check(int layers) {
        if (start < 0 || end > layers || start >= end)
            throw new BadInputException("layer range " + this + " is not a non-empty range inside the model's "
                    + layers + " layers [0, " + layers + "); change " + Setting.LAYERS.mention());
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
