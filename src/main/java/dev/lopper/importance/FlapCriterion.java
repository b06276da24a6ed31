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
 * FLAP's fluctuation metric: for a group, Σ over its o_proj or down_proj input columns j of
 * Var(x_j) · ‖W[:,j]‖², Var the population variance over all calibration tokens. These are the
 * raw scores; FLAP's global threshold compares {@link Flap#standardise standardised} ones.
 */
final class FlapCriterion implements Criterion {
    @Override public String name() { return "flap"; }

    @Override public Set<Statistic> needs() { return EnumSet.of(Statistic.ACTIVATIONS); }

    @Override
    public Scores score(LlamaModel model, Statistics stats) {
        ActivationStats act = stats.requireActivations(name());
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            if (attn[l].length > 0) fold(ColumnWeights.of(model.layer(l).wo()), act.variance(l, Site.O_IN), attn[l]);
            if (mlp[l].length > 0) fold(ColumnWeights.of(model.layer(l).down()), act.variance(l, Site.DOWN_IN), mlp[l]);
        }
        return new Scores(name(), attn, mlp);
    }

    private static void fold(ColumnWeights w, double[] var, double[] out) {
        int width = var.length / out.length;
        for (int j = 0; j < var.length; j++) out[j / width] += var[j] * w.squareSum()[j];
    }
}
