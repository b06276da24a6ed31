package dev.lopper.calib;

/**
 * What one calibration produced; a part that was not collected is null.
 */
public record Statistics(ActivationStats activations, TaylorStats taylor) {
    public static final Statistics NONE = new Statistics(null, null);

    public ActivationStats requireActivations(String criterion) {
        if (activations == null)
            throw new IllegalStateException(criterion + " needs activation statistics; calibrate with " + Statistic.ACTIVATIONS);
        return activations;
    }

    public TaylorStats requireTaylor(String criterion, boolean secondOrder) {
        if (taylor == null)
            throw new IllegalStateException(criterion + " needs gradient statistics; calibrate with "
                    + (secondOrder ? Statistic.FISHER : Statistic.GRADIENTS));
        if (secondOrder && !taylor.options().secondOrder())
            throw new IllegalStateException(criterion + " needs second-order statistics; calibrate with " + Statistic.FISHER);
        return taylor;
    }
}
