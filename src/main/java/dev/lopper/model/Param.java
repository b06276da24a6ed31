package dev.lopper.model;

/** The kinds of parameter tensors in a LLaMA-family model, named as in HF checkpoints. */
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
    BDOWN("mlp.down_proj.bias", true);

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

    /** The tensor of this kind in a model (null when the model has none, e.g. an absent bias). */
    public dev.lopper.tensor.Matrix of(LlamaModel m, int layer) {
        return switch (this) {
            case EMBED -> m.embed();
            case LM_HEAD -> m.lmHead();
            case FINAL_NORM -> m.finalNorm();
            default -> {
                LayerWeights l = m.layer(layer);
                yield switch (this) {
                    case ATTN_NORM -> l.attnNorm();
                    case Q -> l.wq();
                    case K -> l.wk();
                    case V -> l.wv();
                    case O -> l.wo();
                    case BQ -> l.bq();
                    case BK -> l.bk();
                    case BV -> l.bv();
                    case BO -> l.bo();
                    case MLP_NORM -> l.mlpNorm();
                    case GATE -> l.gate();
                    case UP -> l.up();
                    case DOWN -> l.down();
                    case BGATE -> l.bGate();
                    case BUP -> l.bUp();
                    case BDOWN -> l.bDown();
                    default -> throw new AssertionError(this);
                };
            }
        };
    }
}
