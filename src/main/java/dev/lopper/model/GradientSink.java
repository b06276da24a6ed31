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

    /**
     * 0 (the default): gradients of the whole batch's mean loss, through {@link #accept}. n > 0:
     * the batch is windows of n rows (sequences), and each weight's gradient is handed once per
     * window through {@link #acceptWindow}, windows in order: the gradient of that window's own
     * mean loss, the same numbers a backward of that window alone gives. One backward then
     * yields per-window gradients (for Σg and Σg² of a Fisher) one weight at a time.
     */
    default int windowRows() { return 0; }

    /** Window {@code window}'s gradient of {@code weight} (when {@link #windowRows} > 0); valid during the call. */
    default void acceptWindow(int layer, Param param, Matrix weight, int window, float[] grad) {
        throw new UnsupportedOperationException("this sink takes whole-batch gradients");
    }
}
