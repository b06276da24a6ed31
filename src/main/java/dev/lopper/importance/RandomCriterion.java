package dev.lopper.importance;

import dev.lopper.model.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.model.LlamaModel;

import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;

/** Uniform random scores in [0, 1), drawn layer by layer (attention, then MLP) from one seed. */
final class RandomCriterion implements Criterion {
    private final long seed;

    RandomCriterion(long seed) { this.seed = seed; }

    @Override public String name() { return "random"; }

    @Override public Set<Statistic> needs() { return EnumSet.noneOf(Statistic.class); }

    @Override
    public Scores score(ScoringContext context) {
        LlamaModel model = context.model();
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] attn = GroupScores.zeros(model.config(), GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(model.config(), GroupKind.MLP);
        for (int l = 0; l < attn.length; l++) {
            for (int i = 0; i < attn[l].length; i++) attn[l][i] = rnd.nextDouble();
            for (int i = 0; i < mlp[l].length; i++) mlp[l][i] = rnd.nextDouble();
        }
        return new Scores(name(), attn, mlp);
    }
}
