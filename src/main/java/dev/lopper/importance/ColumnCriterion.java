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
 * Criteria that score a group by summing a per-column quantity over its o_proj or down_proj
 * input columns (Wanda-sp, FLAP): the loop is here, the column formula in the subclass.
 */
abstract class ColumnCriterion implements Criterion {
    @Override public Set<Statistic> needs() { return EnumSet.of(Statistic.ACTIVATIONS); }

    /** The activation statistic per input column that the formula uses. */
    protected abstract double[] statistic(ActivationStats act, int layer, Site site);

    /** The score of input column j of w, given that column's statistic s. */
    protected abstract double column(ColumnWeights w, int j, double s);

    @Override
    public Scores score(LlamaModel model, Statistics stats) {
        ActivationStats act = stats.requireActivations(name());
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            if (attn[l].length > 0) fold(ColumnWeights.of(model.layer(l).wo()), statistic(act, l, Site.O_IN), attn[l]);
            if (mlp[l].length > 0) fold(ColumnWeights.of(model.layer(l).down()), statistic(act, l, Site.DOWN_IN), mlp[l]);
        }
        return new Scores(name(), attn, mlp);
    }

    private void fold(ColumnWeights w, double[] s, double[] out) {
        int width = s.length / out.length;
        for (int j = 0; j < s.length; j++) out[j / width] += column(w, j, s[j]);
    }
}
