package dev.lopper.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * BLOOM: LayerNorms with bias (also after the embeddings), ALiBi, a GELU MLP of 4·hidden, every
 * bias, tied embeddings. HF names under {@code [transformer.]h.N.}, q/k/v packed per head in
 * {@code query_key_value}; llama.cpp's {@code bloom} graph, q/k/v one after the other in
 * {@code attn_qkv}.
 */
public final class BloomFamily implements Family {
    static final String BLOOM = "BloomForCausalLM";

    BloomFamily() {}

    @Override
    public String name() { return "BLOOM"; }

    @Override
    public BlockOps ops() {
        return new BlockOps(BlockOps.Norm.LAYER, BlockOps.Position.ALIBI, BlockOps.Mlp.GELU, true, false);
    }

    @Override
    public List<String> architectures() { return List.of(BLOOM); }

    /** n_embed or hidden_size, n_layer, n_head; BLOOM's own names first, a missing field named by BLOOM's name. */
    @Override
    public ModelConfig readConfig(String arch, ConfigFields f) {
        int hidden = f.requiredInt(f.has("hidden_size") ? "hidden_size" : "n_embed");
        int layers = f.requiredInt(f.has("num_hidden_layers") && !f.has("n_layer") ? "num_hidden_layers" : "n_layer");
        int heads = f.requiredInt(f.has("num_attention_heads") && !f.has("n_head") ? "num_attention_heads" : "n_head");
        if (f.optionalBool("apply_residual_connection_post_layernorm", false))
            throw f.bad("apply_residual_connection_post_layernorm true is not supported");
        if (f.positionOption() == BlockOps.Position.ROPE) throw f.bad("BLOOM uses ALiBi; it cannot be run with RoPE");
        List<LayerShape> shapes = f.shapes(hidden, layers, heads, heads, f.optionalInt("intermediate_size", 4 * hidden));
        f.noRopeScaling();
        return ModelConfig.builder(this).architecture(arch)
                .hiddenSize(hidden)
                .vocabSize(f.requiredInt("vocab_size"))
                .maxPositions(f.optionalInt("max_position_embeddings", f.optionalInt("seq_length", 2048)))
                .layers(shapes)
                .rmsNormEps((float) f.optionalDouble("layer_norm_epsilon", 1e-5))
                .tieWordEmbeddings(f.optionalBool("tie_word_embeddings", true))
                .qkvBias(true).oBias(true).mlpBias(true).downBias(true)
                .bosTokenId(f.tokenId("bos_token_id"))
                .eosTokenId(f.tokenId("eos_token_id"))
                .alibi(f.alibi(heads, layers))
                .build();
    }

    /** A BloomForCausalLM config; head_dim and intermediate_size (Lopper's) only where they differ from BLOOM's rule. */
    @Override
    public void writeConfig(ModelConfig c, ConfigOut o) {
        o.architectures(BLOOM);
        o.put("model_type", "bloom");
        o.put("hidden_size", c.hiddenSize());
        o.put("n_layer", c.numLayers());
        o.put("n_head", o.max(LayerShape::heads));
        if (o.max(LayerShape::heads) * o.headDim() != c.hiddenSize()) o.put("head_dim", o.headDim());
        if (o.max(LayerShape::intermediate) != 4 * c.hiddenSize()) o.put("intermediate_size", o.max(LayerShape::intermediate));
        o.put("vocab_size", c.vocabSize());
        o.put("seq_length", c.maxPositions());
        o.put("layer_norm_epsilon", c.rmsNormEps());
        o.put("apply_residual_connection_post_layernorm", false);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.tokenIds();
        o.finish();
    }

    @Override
    public String hfName(Param p, int layer, String prefix) {
        if (p == Param.LM_HEAD) return "lm_head.weight";
        String l = "h." + layer + ".";
        return prefix + switch (p) {
            case EMBED -> "word_embeddings.weight";
            case EMBED_NORM -> "word_embeddings_layernorm.weight";
            case EMBED_NORM_BIAS -> "word_embeddings_layernorm.bias";
            case FINAL_NORM -> "ln_f.weight";
            case FINAL_NORM_BIAS -> "ln_f.bias";
            case ATTN_NORM -> l + "input_layernorm.weight";
            case ATTN_NORM_BIAS -> l + "input_layernorm.bias";
            case Q, K, V -> l + "self_attention.query_key_value.weight";
            case BQ, BK, BV -> l + "self_attention.query_key_value.bias";
            case O -> l + "self_attention.dense.weight";
            case BO -> l + "self_attention.dense.bias";
            case MLP_NORM -> l + "post_attention_layernorm.weight";
            case MLP_NORM_BIAS -> l + "post_attention_layernorm.bias";
            case UP -> l + "mlp.dense_h_to_4h.weight";
            case BUP -> l + "mlp.dense_h_to_4h.bias";
            case DOWN -> l + "mlp.dense_4h_to_h.weight";
            case BDOWN -> l + "mlp.dense_4h_to_h.bias";
            case LM_HEAD -> "lm_head.weight";
            case GATE, BGATE -> throw new IllegalArgumentException("BLOOM's MLP has no gate");
        };
    }

    /** query_key_value: [q_h; k_h; v_h] for h = 0, 1, ... */
    @Override
    public Packing hfPacking() { return Packing.PER_HEAD; }

    /** BLOOM checkpoints are saved with and without the "transformer." prefix. */
    @Override
    public List<String> hfPrefixes() { return List.of("transformer.", ""); }

    @Override
    public Pattern hfLayerTensor() { return Pattern.compile("(?:transformer\\.)?h\\.(\\d+)\\..*"); }

    @Override
    public List<String> ggufArchitectures() { return List.of("bloom"); }

    /** llama.cpp's build_qkv takes q, then k, then v along the rows of attn_qkv. */
    @Override
    public String ggufName(Param p, int layer) {
        return ggufPacked(p) ? "blk." + layer + ".attn_qkv." + (p.vector() ? "bias" : "weight") : Family.ggufStandardName(p, layer);
    }

    @Override
    public boolean ggufPacked(Param p) {
        return switch (p) {
            case Q, K, V, BQ, BK, BV -> true;
            default -> false;
        };
    }

    /** llama.cpp's src/models/bloom.cpp: every bias, tied output unless the model has its own head. */
    @Override
    public GgufAlibiGraph ggufAlibiGraph() {
        return new GgufAlibiGraph("bloom", ops(), false, true, false, 0, 1e-5);
    }
}
