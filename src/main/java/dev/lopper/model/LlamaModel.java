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
        if (!(layers instanceof LazyLayers)) layers = List.copyOf(layers);     // lazy layers are built on demand
        if (layers.size() != config.numLayers())
            throw new IllegalArgumentException(layers.size() + " layers for a config of " + config.numLayers());
    }

    /** A model whose final norm has no bias and whose embeddings are not normalised (RMSNorm families). */
    public LlamaModel(ModelConfig config, Matrix embed, List<LayerWeights> layers, Matrix finalNorm, Matrix lmHead) {
        this(config, embed, layers, finalNorm, lmHead, null, null, null);
    }

    public LayerWeights layer(int i) { return layers.get(i); }

    /** Whether layers are built on demand ({@link LazyLayers}: surgery's output for writing). */
    public boolean lazy() { return layers instanceof LazyLayers; }

    /** This model with lazy layers built and held (for repeated forward passes); itself otherwise. */
    public LlamaModel materialized() {
        if (!lazy()) return this;
        List<LayerWeights> built = new java.util.ArrayList<>();
        for (int i = 0; i < layers.size(); i++) built.add(layers.get(i));
        return withLayers(config, built);
    }

    /** Layer i with its tensors' final dtypes, without building it when layers are lazy. */
    public LayerWeights outline(int i) {
        return layers instanceof LazyLayers lazy ? lazy.outline(i) : layers.get(i);
    }

    /**
     * Drops layer i's pages of memory-mapped weights from the resident set (they are read again
     * from the page cache or the disk when next used): keeps a model larger than memory streaming
     * through it. Heap tensors and lazy layers are left alone.
     */
    public void releaseLayer(int i) {
        if (layers instanceof LazyLayers) return;
        LayerWeights l = layers.get(i);
        for (Param p : config.layerParams()) {
            Matrix m = p.of(l);
            if (m != null) m.release();
        }
    }

    /** Bytes of this model's tensors that live in memory-mapped files. */
    public long mappedBytes() {
        if (layers instanceof LazyLayers) return 0;
        long n = 0;
        for (Matrix t : namedTensors().values()) if (t.mapped()) n += t.size() * t.dtype().bytes;
        return n;
    }

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
        if (layers instanceof LazyLayers) return config.parameterCount();   // without building the layers
        long n = 0;
        for (Matrix t : namedTensors().values()) n += t.size();
        return n;
    }
}
