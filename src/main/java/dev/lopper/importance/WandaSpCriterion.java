package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LlamaModel;

import java.util.EnumSet;
import java.util.Set;

/**
 * Wanda-sp (structured Wanda, as in the FLAP paper's baseline): for a group, Σ over its o_proj
 * or down_proj input columns j of mean_i |W_ij| · ‖x_j‖₂, with ‖x_j‖₂ over all calibration
 * tokens.
 */
final class WandaSpCriterion implements Criterion {
    @Override public String name() { return "wanda-sp"; }

    @Override public Set<Statistic> needs() { return EnumSet.of(Statistic.ACTIVATIONS); }

    @Override
    public Scores score(LlamaModel model, Statistics stats) {
        ActivationStats act = stats.requireActivations(name());
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            if (attn[l].length > 0) fold(ColumnWeights.of(model.layer(l).wo()), act.l2Norm(l, Site.O_IN), attn[l]);
            if (mlp[l].length > 0) fold(ColumnWeights.of(model.layer(l).down()), act.l2Norm(l, Site.DOWN_IN), mlp[l]);
        }
        return new Scores(name(), attn, mlp);
    }

    private static void fold(ColumnWeights w, double[] norm, double[] out) {
        int width = norm.length / out.length;
        for (int j = 0; j < norm.length; j++) out[j / width] += w.meanAbs(j) * norm[j];
    }
}
