package dev.lopper.calib;

/** What a criterion needs from calibration, so that only that is computed. */
public enum Statistic {
    /** Input means, variances and norms of the linear layers (one forward pass). */
    ACTIVATIONS,
    /** First-order gradient salience per group (one backward over all windows). */
    GRADIENTS,
    /** Second-order salience with the diagonal Fisher (one backward per window). */
    FISHER
}
