package dev.lopper.model;

/**
 * The prunable shape of one decoder layer. A pruned model may have different shapes in
 * different layers; zero heads or zero MLP width means that block is removed (the residual
 * stream passes through).
 */
public record LayerShape(int heads, int kvHeads, int headDim, int intermediate) {
    public LayerShape {
        if (heads < 0 || kvHeads < 0 || headDim <= 0 || intermediate < 0)
            throw new IllegalArgumentException("bad layer shape " + heads + "/" + kvHeads + "/" + headDim + "/" + intermediate);
        if (kvHeads == 0 ? heads != 0 : heads % kvHeads != 0)
            throw new IllegalArgumentException("attention heads " + heads + " not a multiple of kv heads " + kvHeads);
    }

    /** Query heads per kv head (the size of one attention group). */
    public int groupSize() { return kvHeads == 0 ? 0 : heads / kvHeads; }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }
}
