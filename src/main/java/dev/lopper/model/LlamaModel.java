package dev.lopper.model;

import dev.lopper.tensor.Matrix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder of any supported family: embeddings, layers, final norm, LM head. Immutable; pruning
 * builds a new model. {@code lmHead} is the same object as {@code embed} when embeddings are
 * tied. {@code finalNormBias}, {@code embedNorm} and {@code embedNormBias} exist only where the
 * family has them ({@link ModelConfig#has}), else they are null.
 */
public record LlamaModel(ModelConfig config, Matrix embed, List<LayerWeights> layers, Matrix finalNorm,
                         Matrix lmHead, Matrix finalNormBias, Matrix embedNorm, Matrix embedNormBias) {

    public LlamaModel {
        layers = List.copyOf(layers);
        if (layers.size() != config.numLayers())
            throw new IllegalArgumentException(layers.size() + " layers for a config of " + config.numLayers());
    }

    /** A model whose final norm has no bias and whose embeddings are not normalised (RMSNorm families). */
    public LlamaModel(ModelConfig config, Matrix embed, List<LayerWeights> layers, Matrix finalNorm, Matrix lmHead) {
        this(config, embed, layers, finalNorm, lmHead, null, null, null);
    }

    public LayerWeights layer(int i) { return layers.get(i); }

    /** The same model with other layers and config (what surgery builds); global tensors are shared. */
    public LlamaModel withLayers(ModelConfig newConfig, List<LayerWeights> newLayers) {
        return new LlamaModel(newConfig, embed, newLayers, finalNorm, lmHead, finalNormBias, embedNorm, embedNormBias);
    }

    /**
     * All tensors by Lopper's canonical name ({@link Param#tensorName}: model.layers.N.self_attn.q_proj.weight,
     * ...), in a stable order: embeddings, layers, final norm, LM head. Tied embeddings appear once.
     */
    public Map<String, Matrix> namedTensors() {
        Map<String, Matrix> m = new LinkedHashMap<>();
        for (Param p : List.of(Param.EMBED, Param.EMBED_NORM, Param.EMBED_NORM_BIAS)) put(m, p, -1);
        for (int i = 0; i < layers.size(); i++) for (Param p : config.layerParams()) put(m, p, i);
        for (Param p : List.of(Param.FINAL_NORM, Param.FINAL_NORM_BIAS)) put(m, p, -1);
        if (config.has(Param.LM_HEAD)) put(m, Param.LM_HEAD, -1);
        return m;
    }

    private void put(Map<String, Matrix> m, Param p, int layer) {
        Matrix t = p.of(this, layer);
        if (t != null) m.put(p.tensorName(layer), t);
    }

    /** Number of stored parameters (tied embeddings counted once). */
    public long parameterCount() {
        long n = 0;
        for (Matrix t : namedTensors().values()) n += t.size();
        return n;
    }
}
