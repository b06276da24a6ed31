package dev.lopper.model;

import java.util.List;

/**
 * Baichuan: LLaMA's blocks with q/k/v packed in {@code W_pack} (one after the other); RoPE or
 * ALiBi, which no field says; Baichuan 2's NormHead. llama.cpp runs the RoPE models on its llama
 * graph (the same function) and the ALiBi ones on its {@code baichuan} graph.
 */
public final class BaichuanFamily implements Family {
    /** Baichuan-13B and Baichuan 2; Baichuan-7B (always RoPE). */
    static final String BAICHUAN = "BaichuanForCausalLM", BAICHUAN_7B = "BaiChuanForCausalLM";
    /** Baichuan 2's vocabulary size, by which vLLM recognises its NormHead. */
    private static final int BAICHUAN2_VOCAB = 125696;

    BaichuanFamily() {}

    @Override
    public String name() { return "Baichuan"; }

    @Override
    public BlockOps ops() { return Family.LLAMA.ops(); }

    @Override
    public List<String> architectures() { return List.of(BAICHUAN, BAICHUAN_7B); }

    /**
     * BaiChuanForCausalLM (7B) is RoPE; BaichuanForCausalLM is RoPE at hidden_size 4096
     * (Baichuan2-7B), else ALiBi (13B), as vLLM decides; Lopper's position_embedding field or the
     * load option override. Baichuan 2's NormHead where vocab_size is 125696 (as vLLM) or
     * norm_head is true.
     */
    @Override
    public ModelConfig readConfig(String arch, ConfigFields f) {
        int hidden = f.requiredInt("hidden_size");
        int layers = f.requiredInt("num_hidden_layers");
        int heads = f.requiredInt("num_attention_heads");
        int vocab = f.requiredInt("vocab_size");
        List<LayerShape> shapes = f.shapes(hidden, layers, heads, heads, f.requiredInt("intermediate_size"));
        BlockOps.Position pos = arch.equals(BAICHUAN_7B) || hidden == 4096 ? BlockOps.Position.ROPE : BlockOps.Position.ALIBI;
        if (f.savedPosition() != null) pos = f.savedPosition();
        if (f.positionOption() != null) pos = f.positionOption();
        if (pos == BlockOps.Position.ALIBI) f.noRopeScaling();
        boolean normHead = vocab == BAICHUAN2_VOCAB || f.optionalBool("norm_head", false);
        f.checkSilu();
        boolean attentionBias = f.optionalBool("attention_bias", false), mlpBias = f.optionalBool("mlp_bias", false);
        return ModelConfig.builder(this).architecture(arch)
                .hiddenSize(hidden)
                .vocabSize(vocab)
                .maxPositions(f.optionalInt("max_position_embeddings", f.optionalInt("model_max_length", 2048)))
                .layers(shapes)
                .rmsNormEps((float) f.optionalDouble("rms_norm_eps", 1e-6))
                .ropeTheta((float) f.optionalDouble("rope_theta", 10000))
                .ropeScaling(pos == BlockOps.Position.ROPE ? f.ropeScaling() : null)
                .tieWordEmbeddings(f.optionalBool("tie_word_embeddings", false))
                .qkvBias(attentionBias).oBias(attentionBias).mlpBias(mlpBias).downBias(mlpBias)
                .bosTokenId(f.tokenId("bos_token_id"))
                .eosTokenId(f.tokenId("eos_token_id"))
                .ops(ops().withPosition(pos).withNormHead(normHead))
                .alibi(f.alibi(heads, layers))
                .build();
    }

    @Override
    public String positionRule(String architecture) {
        return architecture.equals(BAICHUAN)
                ? "no config field says; RoPE when hidden_size is 4096, else ALiBi, or as saved or --position says" : null;
    }

    /** A Baichuan config, with the position embedding Lopper used (its own field) and the NormHead flag. */
    @Override
    public void writeConfig(ModelConfig c, ConfigOut o) {
        o.architectures(c.architecture());
        o.put("model_type", "baichuan");
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", o.max(LayerShape::intermediate));
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_attention_heads", o.max(LayerShape::heads));
        if (o.max(LayerShape::heads) * o.headDim() != c.hiddenSize()) o.put("head_dim", o.headDim());
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("model_max_length", c.maxPositions());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("hidden_act", "silu");
        o.position(c.ops().position());
        if (c.ops().position() == BlockOps.Position.ROPE) {
            o.put("rope_theta", c.ropeTheta());
            o.ropeScaling(c.ropeScaling());
        }
        if (c.ops().normHead()) o.put("norm_head", true);     // the written lm_head is already normalised
        if (c.qkvBias() || c.oBias()) o.put("attention_bias", true);
        if (c.mlpBias() || c.downBias()) o.put("mlp_bias", true);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.tokenIds();
        o.finish();
    }

    /** W_pack: q, k, v one after the other. */
    @Override
    public String hfName(Param p, int layer, String prefix) {
        return switch (p) {
            case Q, K, V, BQ, BK, BV -> "model.layers." + layer + ".self_attn.W_pack." + (p.vector() ? "bias" : "weight");
            default -> p.tensorName(layer);
        };
    }

    @Override
    public Packing hfPacking() { return Packing.CONCAT; }

    @Override
    public List<String> ggufArchitectures() { return List.of("baichuan"); }

    /**
     * llama.cpp's src/models/baichuan.cpp with ALiBi: the LLaMA tensors (q/k in RoPE pair order
     * as the converter writes them), always an output.weight, no o/MLP biases; ALiBi only for a
     * 40-layer model (llama.cpp takes Baichuan-13B from the layer count).
     */
    @Override
    public GgufAlibiGraph ggufAlibiGraph() {
        return new GgufAlibiGraph("baichuan", ops().withPosition(BlockOps.Position.ALIBI), true, false, true, 40, 1e-6);
    }
}
