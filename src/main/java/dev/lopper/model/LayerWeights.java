package dev.lopper.model;

import dev.lopper.tensor.Matrix;

/**
 * The weights of one decoder layer in HF layout: linear weights are [out, in]. Biases are
 * null when absent. Norm weights and biases are 1-row matrices.
 */
public record LayerWeights(
        Matrix attnNorm,
        Matrix wq, Matrix wk, Matrix wv, Matrix wo,
        Matrix bq, Matrix bk, Matrix bv, Matrix bo,
        Matrix mlpNorm,
        Matrix gate, Matrix up, Matrix down,
        Matrix bGate, Matrix bUp, Matrix bDown) {
}
