package dev.lopper.model;

import java.util.Collections;
import java.util.List;

/**
 * Everything about a model's architecture that the forward pass needs, with one
 * {@link LayerShape} per layer. Built from a HF config.json or a llama2.c header.
 *
 * @param architecture    HF architecture name: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
 *                        BloomForCausalLM, BaichuanForCausalLM, BaiChuanForCausalLM
 * @param qkvBias         q/k/v projections carry biases (Qwen2; Llama with attention_bias)
 * @param oBias           o_proj carries a bias (Llama attention_bias, or FLAP compensation)
 * @param mlpBias         gate/up carry biases (Llama mlp_bias)
 * @param downBias        down_proj carries a bias (mlp_bias, or FLAP compensation)
 * @param ops             the family's block operations (norm, positions, MLP)
 * @param alibi           which ALiBi slope each head uses (ignored with RoPE)
 */
public record ModelConfig(
        String architecture,
        int hiddenSize,
        int vocabSize,
        int maxPositions,
        List<LayerShape> layers,
        float rmsNormEps,
        float ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        boolean downBias,
        int bosTokenId,
        int eosTokenId,
        BlockOps ops,
        AlibiHeads alibi) {

    public ModelConfig {
        layers = List.copyOf(layers);
        java.util.Objects.requireNonNull(ops, "ops");
        java.util.Objects.requireNonNull(alibi, "alibi");
    }

    /** A LLaMA-family config (RMSNorm, RoPE, SwiGLU). */
    public ModelConfig(String architecture, int hiddenSize, int vocabSize, int maxPositions, List<LayerShape> layers,
                       float rmsNormEps, float ropeTheta, RopeScaling ropeScaling, boolean tieWordEmbeddings,
                       boolean qkvBias, boolean oBias, boolean mlpBias, boolean downBias, int bosTokenId,
                       int eosTokenId) {
        this(architecture, hiddenSize, vocabSize, maxPositions, layers, rmsNormEps, ropeTheta, ropeScaling,
                tieWordEmbeddings, qkvBias, oBias, mlpBias, downBias, bosTokenId, eosTokenId, BlockOps.LLAMA,
                AlibiHeads.dense(0));
    }

    public int numLayers() { return layers.size(); }

    public LayerShape layer(int i) { return layers.get(i); }

    /** True when every layer has the same shape (a plain HF config can describe it). */
    public boolean uniform() {
        return layers.isEmpty() || Collections.frequency(layers, layers.get(0)) == layers.size();
    }

    /** Parameter count of the architecture (not of a particular checkpoint file). */
    public long parameterCount() {
        long n = 0;
        for (Param p : globalParams()) n += p.size(this, null);
        for (LayerShape s : layers) n += layerParameters(s);
        return n;
    }

    public long layerParameters(LayerShape s) {
        long n = 0;
        for (Param p : layerParams()) n += p.size(this, s);
        return n;
    }

    /** The per-layer tensors this config's layers have, in a stable order (absent biases left out). */
    public java.util.List<Param> layerParams() {
        java.util.List<Param> out = new java.util.ArrayList<>();
        for (Param p : Param.values()) if (p.perLayer && has(p)) out.add(p);
        return out;
    }

    /** The global tensors (embeddings, final norm, LM head unless tied), in a stable order. */
    public java.util.List<Param> globalParams() {
        java.util.List<Param> out = new java.util.ArrayList<>();
        for (Param p : Param.values()) if (!p.perLayer && has(p)) out.add(p);
        return out;
    }

    /** Whether models of this config have a tensor of kind {@code p}. */
    public boolean has(Param p) {
        return switch (p) {
            case EMBED, FINAL_NORM, ATTN_NORM, Q, K, V, O, MLP_NORM, UP, DOWN -> true;
            case LM_HEAD -> !tieWordEmbeddings;
            case FINAL_NORM_BIAS, ATTN_NORM_BIAS, MLP_NORM_BIAS -> ops.normBias();
            case EMBED_NORM -> ops.embedNorm();
            case EMBED_NORM_BIAS -> ops.embedNorm() && ops.normBias();
            case GATE -> ops.gated();
            case BQ, BK, BV -> qkvBias;
            case BO -> oBias;
            case BGATE -> mlpBias && ops.gated();
            case BUP -> mlpBias;
            case BDOWN -> downBias;
        };
    }

    public float[] alibiSlopes(int layer) {
        return alibi.slopes(layer, layer(layer).heads());
    }

    public ModelConfig withLayers(List<LayerShape> newLayers) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxPositions, newLayers, rmsNormEps, ropeTheta,
                ropeScaling, tieWordEmbeddings, qkvBias, oBias, mlpBias, downBias, bosTokenId, eosTokenId, ops, alibi);
    }

    public ModelConfig withBiases(boolean qkv, boolean o, boolean mlp, boolean down) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxPositions, layers, rmsNormEps, ropeTheta,
                ropeScaling, tieWordEmbeddings, qkv, o, mlp, down, bosTokenId, eosTokenId, ops, alibi);
    }

    public ModelConfig withAlibi(AlibiHeads heads) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxPositions, layers, rmsNormEps, ropeTheta,
                ropeScaling, tieWordEmbeddings, qkvBias, oBias, mlpBias, downBias, bosTokenId, eosTokenId, ops, heads);
    }
}
