package dev.lopper.model;

import dev.lopper.tensor.Matrix;

/**
 * Receives each weight's gradient during backward, as soon as it is complete, so that callers
 * can reduce it (e.g. to per-group Taylor scores) and drop it: full gradients of all weights
 * are never held at once unless the sink keeps them.
 */
public interface GradientSink {
    /** Whether the gradient of this parameter is wanted (unwanted ones are not computed). */
    boolean wants(int layer, Param param);

    /**
     * The gradient of the mean calibration loss with respect to {@code weight}, same shape,
     * row-major. The array is only valid during the call. {@code layer} is -1 for global params.
     */
    void accept(int layer, Param param, Matrix weight, float[] grad);
}
