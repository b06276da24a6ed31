package dev.lopper.model;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Everything about a model's architecture that the forward pass needs, with one
 * {@link LayerShape} per layer, and the {@link Family} whose checkpoints it describes. Built by
 * name from a family's preset: {@code ModelConfig.builder(Family.LLAMA).hiddenSize(4096)...build()},
 * or changed with {@link #toBuilder()}. Made from a HF config.json (by the family), a GGUF file or
 * a llama2.c header.
 */
public final class ModelConfig {
    /** HF architecture name, one of the family's: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, BloomForCausalLM, BaichuanForCausalLM, BaiChuanForCausalLM */
    private final String architecture;
    private final Family family;
    private final int hiddenSize, vocabSize, maxPositions;
    private final List<LayerShape> layers;
    private final float rmsNormEps, ropeTheta;
    private final RopeScaling ropeScaling;
    private final boolean tieWordEmbeddings;
    private final boolean qkvBias, oBias, mlpBias, downBias;
    private final int bosTokenId, eosTokenId;
    private final BlockOps ops;
    private final AlibiHeads alibi;

    private ModelConfig(Builder b) {
        if (b.hiddenSize < 0 || b.vocabSize < 0 || b.layers == null)
            throw new IllegalStateException("a model config needs hiddenSize, vocabSize and layers");
        if (!b.family.architectures().contains(b.architecture))
            throw new IllegalArgumentException(b.architecture + " is not a " + b.family.name() + " architecture");
        architecture = b.architecture;
        family = b.family;
        hiddenSize = b.hiddenSize;
        vocabSize = b.vocabSize;
        maxPositions = b.maxPositions;
        layers = List.copyOf(b.layers);
        rmsNormEps = b.rmsNormEps;
        ropeTheta = b.ropeTheta;
        ropeScaling = b.ropeScaling;
        tieWordEmbeddings = b.tieWordEmbeddings;
        qkvBias = b.qkvBias;
        oBias = b.oBias;
        mlpBias = b.mlpBias;
        downBias = b.downBias;
        bosTokenId = b.bosTokenId;
        eosTokenId = b.eosTokenId;
        ops = Objects.requireNonNull(b.ops, "ops");
        alibi = Objects.requireNonNull(b.alibi, "alibi");
    }

    /**
     * A builder seeded with {@code family}'s preset: its first architecture name and block ops,
     * context 2048, norm epsilon 1e-5, RoPE base 10000 unscaled, untied, no biases, no special
     * token ids, dense ALiBi heads; hiddenSize, vocabSize and layers must be set.
     */
    public static Builder builder(Family family) { return new Builder(family); }

    /** A builder holding this config, to change some of it. */
    public Builder toBuilder() { return new Builder(this); }

    /** Builds a {@link ModelConfig} by name. */
    public static final class Builder {
        private final Family family;
        private String architecture;
        private int hiddenSize = -1, vocabSize = -1, maxPositions = 2048;
        private List<LayerShape> layers;
        private float rmsNormEps = 1e-5f, ropeTheta = 10000f;
        private RopeScaling ropeScaling;
        private boolean tieWordEmbeddings, qkvBias, oBias, mlpBias, downBias;
        private int bosTokenId = -1, eosTokenId = -1;
        private BlockOps ops;
        private AlibiHeads alibi = AlibiHeads.dense(0);

        private Builder(Family family) {
            this.family = Objects.requireNonNull(family, "family");
            this.architecture = family.architectures().getFirst();
            this.ops = family.ops();
        }

        private Builder(ModelConfig c) {
            family = c.family;
            architecture = c.architecture;
            hiddenSize = c.hiddenSize;
            vocabSize = c.vocabSize;
            maxPositions = c.maxPositions;
            layers = c.layers;
            rmsNormEps = c.rmsNormEps;
            ropeTheta = c.ropeTheta;
            ropeScaling = c.ropeScaling;
            tieWordEmbeddings = c.tieWordEmbeddings;
            qkvBias = c.qkvBias;
            oBias = c.oBias;
            mlpBias = c.mlpBias;
            downBias = c.downBias;
            bosTokenId = c.bosTokenId;
            eosTokenId = c.eosTokenId;
            ops = c.ops;
            alibi = c.alibi;
        }

        /** The HF architecture name (one of the family's). */
        public Builder architecture(String v) { architecture = v; return this; }

        public Builder hiddenSize(int v) { hiddenSize = v; return this; }

        public Builder vocabSize(int v) { vocabSize = v; return this; }

        public Builder maxPositions(int v) { maxPositions = v; return this; }

        public Builder layers(List<LayerShape> v) { layers = v; return this; }

        /** The norm epsilon (RMSNorm's or LayerNorm's). */
        public Builder rmsNormEps(float v) { rmsNormEps = v; return this; }

        public Builder ropeTheta(float v) { ropeTheta = v; return this; }

        public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }

        public Builder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }

        /** q/k/v projections carry biases (Qwen2; Llama with attention_bias). */
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }

        /** o_proj carries a bias (Llama attention_bias, or FLAP compensation). */
        public Builder oBias(boolean v) { oBias = v; return this; }

        /** gate/up carry biases (Llama mlp_bias). */
        public Builder mlpBias(boolean v) { mlpBias = v; return this; }

        /** down_proj carries a bias (mlp_bias, or FLAP compensation). */
        public Builder downBias(boolean v) { downBias = v; return this; }

        public Builder bosTokenId(int v) { bosTokenId = v; return this; }

        public Builder eosTokenId(int v) { eosTokenId = v; return this; }

        /** The family's block operations as this model uses them (Baichuan: RoPE or ALiBi, NormHead). */
        public Builder ops(BlockOps v) { ops = v; return this; }

        /** Which ALiBi slope each head uses (ignored with RoPE). */
        public Builder alibi(AlibiHeads v) { alibi = v; return this; }

        public ModelConfig build() { return new ModelConfig(this); }
    }

    public String architecture() { return architecture; }

    public Family family() { return family; }

    public int hiddenSize() { return hiddenSize; }

    public int vocabSize() { return vocabSize; }

    public int maxPositions() { return maxPositions; }

    public List<LayerShape> layers() { return layers; }

    public float rmsNormEps() { return rmsNormEps; }

    public float ropeTheta() { return ropeTheta; }

    public RopeScaling ropeScaling() { return ropeScaling; }

    public boolean tieWordEmbeddings() { return tieWordEmbeddings; }

    public boolean qkvBias() { return qkvBias; }

    public boolean oBias() { return oBias; }

    public boolean mlpBias() { return mlpBias; }

    public boolean downBias() { return downBias; }

    public int bosTokenId() { return bosTokenId; }

    public int eosTokenId() { return eosTokenId; }

    /** The family's block operations (norm, positions, MLP). */
    public BlockOps ops() { return ops; }

    /** Which ALiBi slope each head uses (ignored with RoPE). */
    public AlibiHeads alibi() { return alibi; }

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
        return toBuilder().layers(newLayers).build();
    }

    public ModelConfig withAlibi(AlibiHeads heads) {
        return toBuilder().alibi(heads).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && architecture.equals(c.architecture) && family == c.family
                && hiddenSize == c.hiddenSize && vocabSize == c.vocabSize && maxPositions == c.maxPositions
                && layers.equals(c.layers) && Float.compare(rmsNormEps, c.rmsNormEps) == 0
                && Float.compare(ropeTheta, c.ropeTheta) == 0 && Objects.equals(ropeScaling, c.ropeScaling)
                && tieWordEmbeddings == c.tieWordEmbeddings && qkvBias == c.qkvBias && oBias == c.oBias
                && mlpBias == c.mlpBias && downBias == c.downBias && bosTokenId == c.bosTokenId
                && eosTokenId == c.eosTokenId && ops.equals(c.ops) && alibi.equals(c.alibi);
    }

    @Override
    public int hashCode() {
        return Objects.hash(architecture, family, hiddenSize, vocabSize, maxPositions, layers, rmsNormEps, ropeTheta,
                ropeScaling, tieWordEmbeddings, qkvBias, oBias, mlpBias, downBias, bosTokenId, eosTokenId, ops, alibi);
    }

    @Override
    public String toString() {
        return "ModelConfig[" + family.name() + " " + architecture + ", hidden " + hiddenSize + ", vocab " + vocabSize
                + ", " + layers.size() + " layers, " + ops + "]";
    }
}
