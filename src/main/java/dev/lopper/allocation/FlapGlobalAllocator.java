package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.importance.Scores;
import dev.lopper.model.ModelConfig;
import dev.lopper.util.ZScores;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * FLAP's global allocation: scores are standardised within each (layer, module), then one
 * threshold over all groups of the range removes the lowest first, each group counting by its
 * parameters (an attention group weighs as many MLP channels as it has parameters), until the
 * goal is met to within one group. Standardising is done here (it is idempotent, so already
 * standardised scores pass unchanged; {@link ZScores#sample}, σ with n − 1 as torch.std). A group whose removal would empty its layer's module is
 * skipped unless empty layers are allowed; the threshold then moves on to the next group.
 */
public final class FlapGlobalAllocator implements Allocator {
    private final Supplier<Scores> scores;

    public FlapGlobalAllocator(Scores scores) {
        this(() -> scores);
    }

    /** Reads the criterion's scores when it allocates (a run builds its allocator before it scores). */
    public FlapGlobalAllocator(Supplier<Scores> scores) {
        this.scores = scores;
    }

    @Override
    public String name() { return "flap-global"; }

    private record Candidate(double score, int item, int index) {}

    @Override
    public RemovalCounts allocate(ModelConfig config, Target target) {
        Budget b = new Budget(config, target);
        Scores scores = this.scores.get();
        ScoreChecks.matchModel(scores, config);
        List<Candidate> all = new ArrayList<>();
        for (int i = 0; i < b.items.size(); i++) {
            Budget.Item it = b.items.get(i);
            double[] s = ZScores.sample(it.attention() ? scores.attention()[it.layer()] : scores.mlp()[it.layer()]);
            for (int j = 0; j < s.length; j++) all.add(new Candidate(s[j], i, j));
        }
        all.sort(Comparator.comparingDouble(Candidate::score)
                .thenComparingInt(Candidate::item).thenComparingInt(Candidate::index));
        int[] c = new int[b.items.size()];
        double left = b.goal;
        for (Candidate cand : all) {
            if (left <= 0) break;
            Budget.Item it = b.items.get(cand.item);
            if (c[cand.item] == it.cap()) continue;
            if (it.size() > left && it.size() - left >= left) break;   // nearer to the goal to stop here
            c[cand.item]++;
            left -= it.size();
        }
        if (left > 0 && exhausted(b, c) && !b.withinHalfGroup(left)) throw b.unreachable(null);
        return b.counts(c);
    }

    private static boolean exhausted(Budget b, int[] c) {
        for (int i = 0; i < c.length; i++) if (c[i] < b.items.get(i).cap()) return false;
        return true;
    }
}
