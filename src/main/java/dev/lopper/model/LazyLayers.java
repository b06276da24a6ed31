package dev.lopper.model;

import java.util.AbstractList;
import java.util.RandomAccess;
import java.util.function.IntFunction;

/**
 * The layers of a model made on demand, one at a time: surgery's output for a model whose cut
 * weights would not fit in memory together. {@link #get} builds layer i (e.g. copies the kept
 * rows of the dense weights) and keeps only the last layer built, so a caller that walks the
 * layers in order (the HF writer, a forward pass) holds one pruned layer at a time.
 * {@link #outline} gives the same layer without building it: every tensor with the dtype the
 * built one will have (its shape may differ), for writers that need dtypes before the data.
 */
public final class LazyLayers extends AbstractList<LayerWeights> implements RandomAccess {
    private final int size;
    private final IntFunction<LayerWeights> build;
    private final IntFunction<LayerWeights> outline;
    private int lastIndex = -1;
    private LayerWeights last;

    public LazyLayers(int size, IntFunction<LayerWeights> build, IntFunction<LayerWeights> outline) {
        this.size = size;
        this.build = build;
        this.outline = outline;
    }

    @Override
    public synchronized LayerWeights get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException(index + " of " + size);
        if (index != lastIndex) {
            last = null;        // the previous layer goes before the next one is built
            last = build.apply(index);
            lastIndex = index;
        }
        return last;
    }

    /** Layer {@code index} with every tensor in its final dtype, not built (not its final shape). */
    public LayerWeights outline(int index) {
        return outline.apply(index);
    }

    @Override
    public int size() { return size; }
}
