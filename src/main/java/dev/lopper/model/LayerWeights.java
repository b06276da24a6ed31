package dev.lopper.model;

import dev.lopper.tensor.Matrix;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The weights of one decoder layer in HF layout, keyed by their {@link Param} kind: linear
 * weights are [out, in], norm weights and biases 1-row matrices. A kind the layer lacks (an
 * absent bias; the gate of a GELU MLP, where {@code up} is BLOOM's dense_h_to_4h; norm biases
 * with RMSNorm) is simply not there: its accessor returns null. Built by name:
 * {@code LayerWeights.builder().put(Param.Q, wq)...build()} or {@link #from}.
 */
public final class LayerWeights {
    private final Map<Param, Matrix> tensors;

    private LayerWeights(Map<Param, Matrix> tensors) {
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** The layer whose tensor of each per-layer kind is {@code tensor.apply(kind)} (null where absent). */
    public static LayerWeights from(Function<Param, Matrix> tensor) {
        Builder b = builder();
        for (Param p : Param.values()) if (p.perLayer) b.put(p, tensor.apply(p));
        return b.build();
    }

    public static Builder builder() { return new Builder(); }

    /** A builder holding this layer's tensors, to replace some of them. */
    public Builder toBuilder() {
        Builder b = builder();
        b.tensors.putAll(tensors);
        return b;
    }

    /** Collects a layer's tensors by kind; putting null leaves the kind absent. */
    public static final class Builder {
        private final EnumMap<Param, Matrix> tensors = new EnumMap<>(Param.class);

        private Builder() {}

        public Builder put(Param p, Matrix m) {
            if (!p.perLayer) throw new IllegalArgumentException(p + " is not a per-layer tensor");
            if (m == null) tensors.remove(p);
            else tensors.put(p, m);
            return this;
        }

        public LayerWeights build() { return new LayerWeights(new EnumMap<>(tensors)); }
    }

    /** The tensor of per-layer kind {@code p}, or null when the layer has none. */
    public Matrix get(Param p) {
        if (!p.perLayer) throw new IllegalArgumentException(p + " is not a per-layer tensor");
        return tensors.get(p);
    }

    // Named accessors, in block order: attention, then MLP.

    /** [1, hidden] */
    public Matrix attnNorm() { return tensors.get(Param.ATTN_NORM); }

    /** [1, hidden], LayerNorm only */
    public Matrix attnNormBias() { return tensors.get(Param.ATTN_NORM_BIAS); }

    /** [heads·headDim, hidden] */
    public Matrix wq() { return tensors.get(Param.Q); }

    /** [kvHeads·headDim, hidden] */
    public Matrix wk() { return tensors.get(Param.K); }

    /** [kvHeads·headDim, hidden] */
    public Matrix wv() { return tensors.get(Param.V); }

    /** [hidden, heads·headDim] */
    public Matrix wo() { return tensors.get(Param.O); }

    public Matrix bq() { return tensors.get(Param.BQ); }

    public Matrix bk() { return tensors.get(Param.BK); }

    public Matrix bv() { return tensors.get(Param.BV); }

    public Matrix bo() { return tensors.get(Param.BO); }

    /** [1, hidden] */
    public Matrix mlpNorm() { return tensors.get(Param.MLP_NORM); }

    /** [1, hidden], LayerNorm only */
    public Matrix mlpNormBias() { return tensors.get(Param.MLP_NORM_BIAS); }

    /** [intermediate, hidden], SwiGLU only */
    public Matrix gate() { return tensors.get(Param.GATE); }

    /** [intermediate, hidden] */
    public Matrix up() { return tensors.get(Param.UP); }

    /** [hidden, intermediate] */
    public Matrix down() { return tensors.get(Param.DOWN); }

    public Matrix bGate() { return tensors.get(Param.BGATE); }

    public Matrix bUp() { return tensors.get(Param.BUP); }

    public Matrix bDown() { return tensors.get(Param.BDOWN); }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerWeights l && tensors.equals(l.tensors);
    }

    @Override
    public int hashCode() { return tensors.hashCode(); }

    @Override
    public String toString() { return "LayerWeights" + tensors.keySet(); }
}
