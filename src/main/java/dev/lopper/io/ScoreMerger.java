package dev.lopper.io;

import java.util.PriorityQueue;

/**
 * llama2.c's BPE merge loop: while some adjacent pair of tokens concatenates to a vocabulary
 * piece, merge the pair whose piece has the highest score (the leftmost one on ties).
 *
 * <p>run.c rescans the whole sequence after every merge, which is quadratic and far too slow
 * for a whole evaluation corpus. Here the candidate pairs sit in a heap ordered by (score
 * descending, position ascending) over a linked list of symbols; stale entries are skipped when
 * popped. Positions keep their left-to-right order as symbols merge, so the merges chosen are
 * exactly run.c's.
 */
final class ScoreMerger {

    /** Looks up the id of the concatenation of two tokens, or -1. */
    interface PairLookup {
        int merged(int left, int right);
    }

    private record Candidate(float score, int left, int right, int merged, int leftStamp, int rightStamp) {}

    private ScoreMerger() {}

    static int[] merge(int[] tokens, PairLookup lookup, float[] scores) {
        int n = tokens.length;
        int[] ids = tokens.clone();
        int[] next = new int[n];
        int[] prev = new int[n];
        int[] stamp = new int[n]; // bumped whenever a symbol changes or dies, invalidating its pairs
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>((a, b) -> {
            int byScore = Float.compare(b.score, a.score);
            return byScore != 0 ? byScore : Integer.compare(a.left, b.left);
        });
        for (int i = 0; i + 1 < n; i++) offer(heap, i, i + 1, ids, stamp, lookup, scores);

        int alive = n;
        while (!heap.isEmpty()) {
            Candidate c = heap.poll();
            if (stamp[c.left] != c.leftStamp || stamp[c.right] != c.rightStamp || next[c.left] != c.right) {
                continue;
            }
            ids[c.left] = c.merged;
            stamp[c.left]++;
            stamp[c.right] = -1; // dead
            int after = next[c.right];
            next[c.left] = after;
            if (after >= 0) prev[after] = c.left;
            alive--;
            if (prev[c.left] >= 0) offer(heap, prev[c.left], c.left, ids, stamp, lookup, scores);
            if (after >= 0) offer(heap, c.left, after, ids, stamp, lookup, scores);
        }

        int[] out = new int[alive];
        int k = 0;
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out[k++] = ids[i];
        return out;
    }

    private static void offer(PriorityQueue<Candidate> heap, int left, int right, int[] ids, int[] stamp,
                              PairLookup lookup, float[] scores) {
        int merged = lookup.merged(ids[left], ids[right]);
        if (merged >= 0) {
            heap.add(new Candidate(scores[merged], left, right, merged, stamp[left], stamp[right]));
        }
    }
}
