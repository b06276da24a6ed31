package dev.lopper.model;

import dev.lopper.tensor.Matrix;

/**
 * The weights of one decoder layer in HF layout: linear weights are [out, in]. Biases are
 * null when absent. Norm weights and biases are 1-row matrices. With a GELU MLP (BLOOM) there is
 * no gate: {@code up} is dense_h_to_4h and gate/bGate are null. Norm biases exist with LayerNorm.
 */
public record LayerWeights(
        Matrix attnNorm,
        Matrix wq, Matrix wk, Matrix wv, Matrix wo,
        Matrix bq, Matrix bk, Matrix bv, Matrix bo,
        Matrix mlpNorm,
        Matrix gate, Matrix up, Matrix down,
        Matrix bGate, Matrix bUp, Matrix bDown,
        Matrix attnNormBias, Matrix mlpNormBias) {

    /** The layer whose tensor of each kind is {@code tensor.apply(kind)} (null where absent). */
    public static LayerWeights from(java.util.function.Function<Param, Matrix> tensor) {
        return new LayerWeights(tensor.apply(Param.ATTN_NORM),
                tensor.apply(Param.Q), tensor.apply(Param.K), tensor.apply(Param.V), tensor.apply(Param.O),
                tensor.apply(Param.BQ), tensor.apply(Param.BK), tensor.apply(Param.BV), tensor.apply(Param.BO),
                tensor.apply(Param.MLP_NORM),
                tensor.apply(Param.GATE), tensor.apply(Param.UP), tensor.apply(Param.DOWN),
                tensor.apply(Param.BGATE), tensor.apply(Param.BUP), tensor.apply(Param.BDOWN),
                tensor.apply(Param.ATTN_NORM_BIAS), tensor.apply(Param.MLP_NORM_BIAS));
    }

    /** A layer without norm biases (RMSNorm families). */
    public LayerWeights(Matrix attnNorm, Matrix wq, Matrix wk, Matrix wv, Matrix wo, Matrix bq, Matrix bk, Matrix bv,
                        Matrix bo, Matrix mlpNorm, Matrix gate, Matrix up, Matrix down, Matrix bGate, Matrix bUp,
                        Matrix bDown) {
        this(attnNorm, wq, wk, wv, wo, bq, bk, bv, bo, mlpNorm, gate, up, down, bGate, bUp, bDown, null, null);
    }
}
