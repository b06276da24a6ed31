package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;

/**
 * FLAP's fluctuation metric: for a group, Σ over its o_proj or down_proj input columns j of
 * Var(x_j) · ‖W[:,j]‖², Var the population variance over all calibration tokens. These are the
 * raw scores; FLAP's global threshold compares standardised ones (FlapGlobalAllocator).
 */
final class FlapCriterion extends ColumnCriterion {
    @Override public String name() { return "flap"; }

    @Override
    protected double[] statistic(ActivationStats act, int layer, Site site) { return act.variance(layer, site); }

    @Override
    protected double column(ColumnWeights w, int j, double variance) { return variance * w.squareSum()[j]; }
}
