package dev.lopper.allocation;

import dev.lopper.BadInputException;

/** The layers [start, end) that may be pruned; the others stay untouched. */
public record LayerRange(int start, int end) {

    public static LayerRange all(int layers) {
        return new LayerRange(0, layers);
    }

    /** LLM-Pruner's range [4, n−2): the first four and the last two layers are kept whole. */
    public static LayerRange llmPruner(int layers) {
        if (layers - 2 <= 4)
            throw new BadInputException("the LLM-Pruner layer range [4, n-2) is empty for a model of "
                    + layers + " layers; give an explicit layer range");
        return new LayerRange(4, layers - 2);
    }

    public boolean contains(int layer) {
        return layer >= start && layer < end;
    }

    public int size() { return end - start; }

    /** Throws when the range is empty or reaches outside a model of {@code layers} layers. */
    public void check(int layers) {
        if (start < 0 || end > layers || start >= end)
            throw new BadInputException("layer range " + this + " is not a non-empty range inside the model's "
                    + layers + " layers [0, " + layers + ")");
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
