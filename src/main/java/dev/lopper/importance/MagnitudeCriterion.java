package dev.lopper.importance;

import dev.lopper.model.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.model.LlamaModel;

import java.util.EnumSet;
import java.util.Set;

/**
 * Weight magnitude of a group over all its weights (q/k/v rows, o_proj columns, gate/up rows,
 * down_proj column, and bias entries of q/k/v and gate/up): l1 = Σ|w|, l2 = ‖w‖₂.
 */
final class MagnitudeCriterion implements Criterion {
    private final boolean squared;

    /** @param l2 false for Σ|w|, true for ‖w‖₂ */
    MagnitudeCriterion(boolean l2) { this.squared = l2; }

    @Override public String name() { return squared ? "l2" : "l1"; }

    @Override public Set<Statistic> needs() { return EnumSet.noneOf(Statistic.class); }

    @Override
    public Scores score(ScoringContext context) {
        LlamaModel model = context.model();
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            for (GroupKind k : GroupKind.values()) {
                double[] acc = k == GroupKind.ATTENTION ? attn[l] : mlp[l];
                GroupScores.sumOverGroupWeights(model, l, k, squared ? (w, i) -> (double) w * w : (w, i) -> w, acc);
                if (squared) for (int i = 0; i < acc.length; i++) acc[i] = Math.sqrt(acc[i]);
            }
        }
        return new Scores(name(), attn, mlp);
    }
}
