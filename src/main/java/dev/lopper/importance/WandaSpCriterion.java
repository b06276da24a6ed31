package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;

/**
 * Wanda-sp (structured Wanda, as in the FLAP paper's baseline): for a group, Σ over its o_proj
 * or down_proj input columns j of mean_i |W_ij| · ‖x_j‖₂, with ‖x_j‖₂ over all calibration
 * tokens.
 */
final class WandaSpCriterion extends ColumnCriterion {
    @Override public String name() { return "wanda-sp"; }

    @Override
    protected double[] statistic(ActivationStats act, int layer, Site site) { return act.l2Norm(layer, site); }

    @Override
    protected double column(ColumnWeights w, int j, double norm) { return w.meanAbs(j) * norm; }
}
