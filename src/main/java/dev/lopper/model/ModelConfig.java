package dev.lopper.model;

import java.util.Collections;
import java.util.List;

/**
 * Everything about a model's architecture that the forward pass needs, with one
 * {@link LayerShape} per layer. Built from a HF config.json or a llama2.c header.
 *
 * @param architecture    HF architecture name: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM
 * @param qkvBias         q/k/v projections carry biases (Qwen2; Llama with attention_bias)
 * @param oBias           o_proj carries a bias (Llama attention_bias, or FLAP compensation)
 * @param mlpBias         gate/up carry biases (Llama mlp_bias)
 * @param downBias        down_proj carries a bias (mlp_bias, or FLAP compensation)
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
        int eosTokenId) {

    public ModelConfig {
        layers = List.copyOf(layers);
    }

    public int numLayers() { return layers.size(); }

    public LayerShape layer(int i) { return layers.get(i); }

    /** True when every layer has the same shape (a plain HF config can describe it). */
    public boolean uniform() {
        return layers.isEmpty() || Collections.frequency(layers, layers.get(0)) == layers.size();
    }

    /** Parameter count of the architecture (not of a particular checkpoint file). */
    public long parameterCount() {
        long h = hiddenSize;
        long n = (long) vocabSize * h * (tieWordEmbeddings ? 1 : 2) + h;
        for (LayerShape s : layers) n += layerParameters(s);
        return n;
    }

    public long layerParameters(LayerShape s) {
        long h = hiddenSize;
        long q = s.qDim(), kv = s.kvDim(), f = s.intermediate();
        long n = 2 * h;                                // two RMSNorm weights
        n += h * q + 2 * h * kv + q * h;               // q, k, v, o
        n += 3 * h * f;                                // gate, up, down
        if (qkvBias) n += q + 2 * kv;
        if (oBias) n += h;
        if (mlpBias) n += 2 * f;
        if (downBias) n += h;
        return n;
    }

    public ModelConfig withLayers(List<LayerShape> newLayers) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxPositions, newLayers, rmsNormEps, ropeTheta,
                ropeScaling, tieWordEmbeddings, qkvBias, oBias, mlpBias, downBias, bosTokenId, eosTokenId);
    }

    public ModelConfig withBiases(boolean qkv, boolean o, boolean mlp, boolean down) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxPositions, layers, rmsNormEps, ropeTheta,
                ropeScaling, tieWordEmbeddings, qkv, o, mlp, down, bosTokenId, eosTokenId);
    }
}
