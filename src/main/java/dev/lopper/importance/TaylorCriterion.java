package dev.lopper.importance;

import dev.lopper.model.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.TaylorStats;
import dev.lopper.model.LlamaModel;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Taylor criteria over {@link TaylorStats}: {@code taylor-vector} = |Σ_G w·g|,
 * {@code taylor-element} = Σ_G |w·g| (first order) or Σ_G |w·g − ½w²F| (second order, "mix").
 * Groups outside the calibrated layer range or modules score +∞ (never pruned), matching
 * LLM-Pruner, which leaves layers outside its range untouched.
 *
 * <p>Note: LLM-Pruner's own "vectorize" reduces |Σ w·g| per row/column and then sums those over
 * the group; Lopper's vector score is |Σ w·g| over the whole group (docs/METHODS.md "Baseline criteria").
 */
final class TaylorCriterion implements Criterion {
    enum Kind { VECTOR, ELEMENT, MIX }

    private final Kind kind;

    TaylorCriterion(Kind kind) { this.kind = kind; }

    @Override
    public String name() {
        return kind == Kind.VECTOR ? "taylor-vector" : "taylor-element";
    }

    /** The label stored in {@link Scores#criterion}: says which order produced the scores. */
    private String label() {
        return kind == Kind.MIX ? "taylor-element (second order)" : name();
    }

    @Override
    public Set<Statistic> needs() {
        return kind == Kind.MIX ? EnumSet.of(Statistic.GRADIENTS, Statistic.FISHER) : EnumSet.of(Statistic.GRADIENTS);
    }

    @Override
    public Scores score(ScoringContext context) {
        LlamaModel model = context.model();
        TaylorStats t = context.taylor(name(), kind == Kind.MIX);
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            attn[l] = layer(t, l, GroupKind.ATTENTION, attn[l].length);
            mlp[l] = layer(t, l, GroupKind.MLP, mlp[l].length);
        }
        return new Scores(label(), attn, mlp);
    }

    private double[] layer(TaylorStats t, int l, GroupKind k, int groups) {
        if (!t.scored(l, k)) {
            double[] keep = new double[groups];
            Arrays.fill(keep, Double.POSITIVE_INFINITY);
            return keep;
        }
        return switch (kind) {
            case VECTOR -> t.vector(l, k);
            case ELEMENT -> t.element(l, k);
            case MIX -> t.mix(l, k);
        };
    }
}
