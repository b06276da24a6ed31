package dev.lopper.model;

import dev.lopper.tensor.Matrix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LLaMA-family decoder: embeddings, layers, final norm, LM head. Immutable; pruning builds a
 * new model. {@code lmHead} is the same object as {@code embed} when embeddings are tied.
 */
public record LlamaModel(ModelConfig config, Matrix embed, List<LayerWeights> layers, Matrix finalNorm,
                         Matrix lmHead) {

    public LlamaModel {
        layers = List.copyOf(layers);
        if (layers.size() != config.numLayers())
            throw new IllegalArgumentException(layers.size() + " layers for a config of " + config.numLayers());
    }

    public LayerWeights layer(int i) { return layers.get(i); }

    /**
     * All tensors by their HF name (model.layers.N.self_attn.q_proj.weight, ...), in a stable
     * order. Tied embeddings appear once, as model.embed_tokens.weight.
     */
    public Map<String, Matrix> namedTensors() {
        Map<String, Matrix> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", embed);
        for (int i = 0; i < layers.size(); i++) {
            LayerWeights l = layers.get(i);
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", l.attnNorm());
            put(m, p + "self_attn.q_proj.weight", l.wq());
            put(m, p + "self_attn.k_proj.weight", l.wk());
            put(m, p + "self_attn.v_proj.weight", l.wv());
            put(m, p + "self_attn.o_proj.weight", l.wo());
            put(m, p + "self_attn.q_proj.bias", l.bq());
            put(m, p + "self_attn.k_proj.bias", l.bk());
            put(m, p + "self_attn.v_proj.bias", l.bv());
            put(m, p + "self_attn.o_proj.bias", l.bo());
            m.put(p + "post_attention_layernorm.weight", l.mlpNorm());
            put(m, p + "mlp.gate_proj.weight", l.gate());
            put(m, p + "mlp.up_proj.weight", l.up());
            put(m, p + "mlp.down_proj.weight", l.down());
            put(m, p + "mlp.gate_proj.bias", l.bGate());
            put(m, p + "mlp.up_proj.bias", l.bUp());
            put(m, p + "mlp.down_proj.bias", l.bDown());
        }
        m.put("model.norm.weight", finalNorm);
        if (!config.tieWordEmbeddings()) m.put("lm_head.weight", lmHead);
        return m;
    }

    private static void put(Map<String, Matrix> m, String name, Matrix t) {
        if (t != null) m.put(name, t);
    }

    /** Number of stored parameters (tied embeddings counted once). */
    public long parameterCount() {
        long n = 0;
        for (Matrix t : namedTensors().values()) n += t.size();
        return n;
    }
}
