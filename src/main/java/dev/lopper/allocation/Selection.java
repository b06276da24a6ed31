package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.importance.Scores;
import dev.lopper.surgery.KeepPlan;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Picks the groups to remove: per layer and module, the {@code count} lowest-scored ones. Ties go
 * to the lower index (removed first), so the result is deterministic.
 */
public final class Selection {
    private Selection() {}

    public static KeepPlan select(Scores scores, RemovalCounts counts) {
        if (scores.attention().length != counts.layers() || scores.mlp().length != counts.layers())
            throw new BadInputException("scores cover " + scores.attention().length + " layers but the removal counts "
                    + counts.layers());
        ScoreChecks.finite(scores);
        int n = counts.layers();
        int[][] kv = new int[n][], ch = new int[n][];
        for (int l = 0; l < n; l++) {
            kv[l] = keep(scores.attention()[l], counts.attention()[l], l, "attention groups");
            ch[l] = keep(scores.mlp()[l], counts.mlp()[l], l, "MLP channels");
        }
        return new KeepPlan(kv, ch);
    }

    /** Indices kept after removing the {@code remove} lowest scores, ascending. */
    static int[] keep(double[] score, int remove, int layer, String what) {
        if (remove < 0 || remove > score.length)
            throw new BadInputException("cannot remove " + remove + " " + what + " from layer " + layer
                    + ", which has " + score.length);
        Integer[] order = IntStream.range(0, score.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> score[i]).thenComparingInt(i -> i));
        int[] kept = new int[score.length - remove];
        for (int i = 0; i < kept.length; i++) kept[i] = order[remove + i];
        Arrays.sort(kept);
        return kept;
    }
}
