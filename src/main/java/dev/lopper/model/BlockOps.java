package dev.lopper.model;

/**
 * The block operations a model family uses, chosen once from its config: how the residual
 * stream is normalised, how positions enter attention, what the MLP computes, and whether the
 * embeddings are normalised before the first layer. {@link Transformer} dispatches on these;
 * everything else (projections, attention, masks, the LM head) is shared by all families.
 *
 * @param norm      RMSNorm (weight only) or LayerNorm (weight and bias)
 * @param position  rotary embeddings on q/k, or ALiBi biases on the attention scores
 * @param mlp       SwiGLU (down(silu(gate)·up)) or GELU (down(gelu(up)), no gate)
 * @param embedNorm a norm of the family's kind after the embeddings (BLOOM)
 * @param normHead  the LM head's rows are normalised to unit length (Baichuan 2's NormHead);
 *                  applied once when the weights are loaded
 */
public record BlockOps(Norm norm, Position position, Mlp mlp, boolean embedNorm, boolean normHead) {
    public enum Norm { RMS, LAYER }

    public enum Position {
        ROPE, ALIBI;

        /** {@code rope} or {@code alibi}, as users type it. */
        @Override
        public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public enum Mlp { SWIGLU, GELU }

    /** LLaMA, Mistral, Qwen2, Baichuan-7B. */
    public static final BlockOps LLAMA = new BlockOps(Norm.RMS, Position.ROPE, Mlp.SWIGLU, false, false);

    /** BLOOM: LayerNorms with bias (also after the embeddings), ALiBi, GELU MLP. */
    public static final BlockOps BLOOM = new BlockOps(Norm.LAYER, Position.ALIBI, Mlp.GELU, true, false);

    public boolean gated() { return mlp == Mlp.SWIGLU; }

    public boolean normBias() { return norm == Norm.LAYER; }

    public BlockOps withPosition(Position p) { return new BlockOps(norm, p, mlp, embedNorm, normHead); }

    public BlockOps withNormHead(boolean n) { return new BlockOps(norm, position, mlp, embedNorm, n); }
}
