package dev.lopper.tokenizer;

/**
 * One word during BPE merging: a doubly linked list of symbols over arrays, and a queue of
 * candidate merges. Merging at a position joins the symbol there with the next live one;
 * queue entries that no longer match their pair are skipped when they come up.
 */
final class BpeWord {
    private final int[] ids;
    private final int[] prev;
    private final int[] next;
    private final boolean[] removed;

    BpeWord(int[] initialIds) {
        int n = initialIds.length;
        ids = initialIds;
        prev = new int[n];
        next = new int[n];
        removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
    }

    /** Applies merges until none is left and returns the final ids, left to right. */
    int[] mergeAll(MergeTable merges) {
        MergeQueue queue = new MergeQueue();
        for (int i = 0; i + 1 < ids.length; i++) offer(queue, merges, i, i + 1);

        while (!queue.isEmpty()) {
            int pos = queue.topPosition();
            int mergedId = queue.topMerged();
            queue.pop();
            if (removed[pos] || next[pos] < 0) continue;
            int right = next[pos];
            long current = merges.get(ids[pos], ids[right]);
            if (current < 0 || (int) current != mergedId) continue; // stale entry

            ids[pos] = mergedId;
            removed[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;

            if (prev[pos] >= 0) offer(queue, merges, prev[pos], pos);
            if (next[pos] >= 0) offer(queue, merges, pos, next[pos]);
        }

        int count = 0;
        for (boolean r : removed) if (!r) count++;
        int[] out = new int[count];
        for (int i = 0, k = 0; i < ids.length; i++) if (!removed[i]) out[k++] = ids[i];
        return out;
    }

    private void offer(MergeQueue queue, MergeTable merges, int left, int right) {
        long merge = merges.get(ids[left], ids[right]);
        if (merge >= 0) queue.push((int) (merge >>> 32), left, (int) merge);
    }
}
