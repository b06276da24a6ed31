package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.GroupAxis;
import dev.lopper.model.LlamaModel;

import java.util.EnumSet;
import java.util.Set;

/**
 * Criteria that score a group by summing a per-column quantity over its input columns of the
 * kind's output projection, o_proj or down_proj ({@link GroupKind#output}, columns from the group
 * table's index map), e.g. Wanda-sp and FLAP: the loop is here, the column formula in the subclass.
 */
abstract class ColumnCriterion implements Criterion {
    @Override public Set<Statistic> needs() { return EnumSet.of(Statistic.ACTIVATIONS); }

    /** The activation statistic per input column that the formula uses. */
    protected abstract double[] statistic(ActivationStats act, int layer, Site site);

    /** The score of input column j of w, given that column's statistic s. */
    protected abstract double column(ColumnWeights w, int j, double s);

    @Override
    public Scores score(ScoringContext context) {
        LlamaModel model = context.model();
        ActivationStats act = context.activations(name());
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            fold(model, act, GroupKind.ATTENTION, l, attn[l]);
            fold(model, act, GroupKind.MLP, l, mlp[l]);
        }
        return new Scores(name(), attn, mlp);
    }

    /** Sums the column scores of each group's input columns of the kind's output projection (the table's index map). */
    private void fold(LlamaModel model, ActivationStats act, GroupKind kind, int l, double[] out) {
        if (out.length == 0) return;
        ColumnWeights w = ColumnWeights.of(kind.output().of(model, l));
        double[] s = statistic(act, l, kind.outputSite());
        int width = GroupAxis.output(kind, model.config().layer(l)).width();   // group g owns [g·width, (g+1)·width)
        for (int j = 0; j < s.length; j++) out[j / width] += column(w, j, s[j]);
    }
}
