package dev.lopper.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The heap-based merge loop picks exactly the merges of run.c's rescanning loop. */
class ScoreMergerTokenizerTest {

    @Test
    void matchesRunCsQuadraticLoop() {
        Random random = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            // A small random vocabulary over "ab" with many equal scores, to exercise ties.
            List<String> pieces = new ArrayList<>(List.of("a", "b"));
            Map<String, Integer> ids = new HashMap<>(Map.of("a", 0, "b", 1));
            while (pieces.size() < 12) {
                String p = pieces.get(random.nextInt(pieces.size())) + pieces.get(random.nextInt(pieces.size()));
                if (p.length() <= 6 && ids.putIfAbsent(p, pieces.size()) == null) pieces.add(p);
            }
            float[] scores = new float[pieces.size()];
            for (int i = 0; i < scores.length; i++) scores[i] = random.nextInt(4);
            int[] tokens = random.ints(random.nextInt(40), 0, 2).toArray();
            ScoreMerger.PairLookup lookup = (l, r) -> ids.getOrDefault(pieces.get(l) + pieces.get(r), -1);

            assertArrayEquals(runC(tokens, lookup, scores), ScoreMerger.merge(tokens, lookup, scores),
                    "trial " + trial);
        }
    }

    /** run.c's loop, transcribed: rescan for the best pair after every merge. */
    private static int[] runC(int[] tokens, ScoreMerger.PairLookup lookup, float[] scores) {
        int[] t = tokens.clone();
        int n = t.length;
        while (true) {
            float best = -1e10f;
            int bestId = -1, bestIdx = -1;
            for (int i = 0; i < n - 1; i++) {
                int id = lookup.merged(t[i], t[i + 1]);
                if (id != -1 && scores[id] > best) {
                    best = scores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) return Arrays.copyOf(t, n);
            t[bestIdx] = bestId;
            System.arraycopy(t, bestIdx + 2, t, bestIdx + 1, n - bestIdx - 2);
            n--;
        }
    }
}
