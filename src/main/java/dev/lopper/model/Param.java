package dev.lopper.model;

/**
 * The kinds of parameter tensors of a decoder, with Lopper's canonical names (those of HF's
 * Llama; other families' HF names and fused tensors are mapped in io.HfLayout). Which kinds a
 * model has follows from its config ({@link ModelConfig#has}); their shapes from {@link #rows}
 * and {@link #cols}.
 */
public enum Param {
    EMBED("model.embed_tokens.weight", false),
    LM_HEAD("lm_head.weight", false),
    FINAL_NORM("model.norm.weight", false),
    ATTN_NORM("input_layernorm.weight", true),
    Q("self_attn.q_proj.weight", true),
    K("self_attn.k_proj.weight", true),
    V("self_attn.v_proj.weight", true),
    O("self_attn.o_proj.weight", true),
    BQ("self_attn.q_proj.bias", true),
    BK("self_attn.k_proj.bias", true),
    BV("self_attn.v_proj.bias", true),
    BO("self_attn.o_proj.bias", true),
    MLP_NORM("post_attention_layernorm.weight", true),
    GATE("mlp.gate_proj.weight", true),
    UP("mlp.up_proj.weight", true),
    DOWN("mlp.down_proj.weight", true),
    BGATE("mlp.gate_proj.bias", true),
    BUP("mlp.up_proj.bias", true),
    BDOWN("mlp.down_proj.bias", true),
    // LayerNorm biases and BLOOM's norm after the embeddings
    ATTN_NORM_BIAS("input_layernorm.bias", true),
    MLP_NORM_BIAS("post_attention_layernorm.bias", true),
    FINAL_NORM_BIAS("model.norm.bias", false),
    EMBED_NORM("model.embed_norm.weight", false),
    EMBED_NORM_BIAS("model.embed_norm.bias", false);

    private final String suffix;
    public final boolean perLayer;

    Param(String suffix, boolean perLayer) {
        this.suffix = suffix;
        this.perLayer = perLayer;
    }

    /** The HF tensor name of this parameter in layer {@code layer} (ignored for global ones). */
    public String tensorName(int layer) {
        return perLayer ? "model.layers." + layer + "." + suffix : suffix;
    }

    /** Whether the tensor is 1-D in checkpoints (norm weights and biases); stored as a 1-row matrix. */
    public boolean vector() {
        return switch (this) {
            case EMBED, LM_HEAD, Q, K, V, O, GATE, UP, DOWN -> false;
            default -> true;
        };
    }

    /** Where the input of this weight matrix is seen by a {@link ForwardHook}; null for vectors and embeddings. */
    public ForwardHook.Site inputSite() {
        return switch (this) {
            case Q, K, V -> ForwardHook.Site.ATTN_IN;
            case O -> ForwardHook.Site.O_IN;
            case GATE, UP -> ForwardHook.Site.MLP_IN;
            case DOWN -> ForwardHook.Site.DOWN_IN;
            default -> null;
        };
    }

    /** Rows of this tensor (1 for vectors) in a layer of shape {@code s} ({@code s} unused for global ones). */
    public int rows(ModelConfig c, LayerShape s) {
        return switch (this) {
            case EMBED, LM_HEAD -> c.vocabSize();
            case Q -> s.qDim();
            case K, V -> s.kvDim();
            case O, DOWN -> c.hiddenSize();
            case GATE, UP -> s.intermediate();
            default -> 1;
        };
    }

    /** Columns of this tensor (the length of a vector). */
    public int cols(ModelConfig c, LayerShape s) {
        return switch (this) {
            case O, BQ -> s.qDim();
            case BK, BV -> s.kvDim();
            case DOWN, BGATE, BUP -> s.intermediate();
            default -> c.hiddenSize();
        };
    }

    public long size(ModelConfig c, LayerShape s) {
        return (long) rows(c, s) * cols(c, s);
    }

    /** The tensor of this kind in a model (null when the model has none, e.g. an absent bias). */
    public dev.lopper.tensor.Matrix of(LlamaModel m, int layer) {
        return switch (this) {
            case EMBED -> m.embed();
            case LM_HEAD -> m.lmHead();
            case FINAL_NORM -> m.finalNorm();
            case FINAL_NORM_BIAS -> m.finalNormBias();
            case EMBED_NORM -> m.embedNorm();
            case EMBED_NORM_BIAS -> m.embedNormBias();
            default -> of(m.layer(layer));
        };
    }

    /** The tensor of this per-layer kind in one layer's weights (null when absent). */
    public dev.lopper.tensor.Matrix of(LayerWeights l) {
        return l.get(this);
    }
}
