package dev.lopper.model;

/**
 * The block operations a model uses, chosen once from its config by its {@link Family} (whose
 * {@link Family#ops()} is the family's default): how the residual
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

    public boolean gated() { return mlp == Mlp.SWIGLU; }

    public boolean normBias() { return norm == Norm.LAYER; }

    public BlockOps withPosition(Position p) { return new BlockOps(norm, p, mlp, embedNorm, normHead); }

    public BlockOps withNormHead(boolean n) { return new BlockOps(norm, position, mlp, embedNorm, n); }
}
