package dev.lopper.model;

import java.util.List;

/**
 * LLaMA and the HF architectures that are its blocks (Mistral, Qwen2): RMSNorm, RoPE, SwiGLU,
 * HF's Llama tensor names ({@link Param#tensorName}); llama.cpp's {@code llama} graph, or
 * {@code deci} where layers differ (io.gguf.GgufLayout).
 */
public final class LlamaFamily implements Family {
    static final String LLAMA = "LlamaForCausalLM", MISTRAL = "MistralForCausalLM", QWEN2 = "Qwen2ForCausalLM";

    LlamaFamily() {}

    @Override
    public String name() { return "LLaMA"; }

    @Override
    public BlockOps ops() {
        return new BlockOps(BlockOps.Norm.RMS, BlockOps.Position.ROPE, BlockOps.Mlp.SWIGLU, false, false);
    }

    @Override
    public List<String> architectures() { return List.of(LLAMA, MISTRAL, QWEN2); }

    @Override
    public List<String> ggufArchitectures() { return List.of("llama", "deci"); }

    /**
     * Llama's fields; Qwen2 always has q/k/v biases and never an o bias, Mistral no biases;
     * Llama's attention_bias covers all four attention biases, mlp_bias the three MLP ones.
     */
    @Override
    public ModelConfig readConfig(String arch, ConfigFields f) {
        int hidden = f.requiredInt("hidden_size");
        int layers = f.requiredInt("num_hidden_layers");
        int heads = f.requiredInt("num_attention_heads");
        int intermediate = f.requiredInt("intermediate_size");
        int vocab = f.requiredInt("vocab_size");
        int kvHeads = f.optionalInt("num_key_value_heads", heads);
        if (f.positionOption() == BlockOps.Position.ALIBI) throw f.bad(arch + " uses RoPE; it cannot be run with ALiBi");
        List<LayerShape> shapes = f.shapes(hidden, layers, heads, kvHeads, intermediate);

        boolean qwen2 = arch.equals(QWEN2);
        boolean mistral = arch.equals(MISTRAL);
        boolean attentionBias = !mistral && f.optionalBool("attention_bias", false);
        boolean mlpBias = !mistral && !qwen2 && f.optionalBool("mlp_bias", false);
        f.checkSilu();
        return ModelConfig.builder(this).architecture(arch)
                .hiddenSize(hidden)
                .vocabSize(vocab)
                .maxPositions(context(arch, f, f.optionalInt("max_position_embeddings", 2048)))
                .layers(shapes)
                .rmsNormEps((float) f.optionalDouble("rms_norm_eps", 1e-6))
                .ropeTheta((float) f.optionalDouble("rope_theta", 10000))
                .ropeScaling(f.ropeScaling())
                .tieWordEmbeddings(f.optionalBool("tie_word_embeddings", false))
                .qkvBias(qwen2 || attentionBias)
                .oBias(!qwen2 && attentionBias)
                .mlpBias(mlpBias)
                .downBias(mlpBias)
                .bosTokenId(f.tokenId("bos_token_id"))
                .eosTokenId(f.tokenId("eos_token_id"))
                .build();
    }

    /**
     * The longest sequence Lopper runs as the config describes it. With an active sliding
     * window (Mistral: sliding_window set; Qwen2: also use_sliding_window, on any layer)
     * attention over at most {@code sliding_window} tokens equals full attention, so the
     * context is capped at the window and longer runs are refused by the context checks;
     * Lopper does not implement the sliding mask itself.
     */
    private static int context(String arch, ConfigFields f, int maxPositions) {
        int window = f.optionalInt("sliding_window", -1);     // a count: never -1 when given
        if (window == -1) return maxPositions;
        boolean active = !arch.equals(QWEN2) || f.optionalBool("use_sliding_window", false);
        if (!active || window >= maxPositions) return maxPositions;
        if (window < 1) throw f.bad("sliding_window is " + window + ", not a window");
        return window;
    }

    /** A LlamaForCausalLM config (Mistral and Qwen2 models are written as the Llama they compute). */
    @Override
    public void writeConfig(ModelConfig c, ConfigOut o) {
        o.architectures(LLAMA);
        o.put("model_type", "llama");
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", o.max(LayerShape::intermediate));
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_attention_heads", o.max(LayerShape::heads));
        o.put("num_key_value_heads", o.max(LayerShape::kvHeads));
        o.put("head_dim", o.headDim());
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("rope_theta", c.ropeTheta());
        o.ropeScaling(c.ropeScaling());
        o.put("hidden_act", "silu");
        o.put("attention_bias", c.qkvBias() || c.oBias());
        o.put("mlp_bias", c.mlpBias() || c.downBias());
        o.put("attention_dropout", 0.0);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        o.tokenIds();
        o.put("initializer_range", 0.02);
        o.put("pretraining_tp", 1);
        o.finish();
    }
}
