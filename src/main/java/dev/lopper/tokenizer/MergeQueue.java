package dev.lopper.tokenizer;

import java.util.Arrays;

/**
 * Candidate merges of one word, lowest rank first and, among equal ranks, leftmost first
 * (the order of HF's binary heap). A binary heap over three parallel int arrays.
 */
final class MergeQueue {
    private int[] ranks = new int[16];
    private int[] positions = new int[16];
    private int[] merged = new int[16];
    private int size;

    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(int rank, int position, int mergedId) {
        if (size == ranks.length) {
            ranks = Arrays.copyOf(ranks, size * 2);
            positions = Arrays.copyOf(positions, size * 2);
            merged = Arrays.copyOf(merged, size * 2);
        }
        int i = size++;
        set(i, rank, position, mergedId);
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!before(i, parent)) break;
            swap(i, parent);
            i = parent;
        }
    }

    int topPosition() {
        return positions[0];
    }

    int topMerged() {
        return merged[0];
    }

    void pop() {
        size--;
        if (size == 0) return;
        set(0, ranks[size], positions[size], merged[size]);
        int i = 0;
        while (true) {
            int left = 2 * i + 1, right = left + 1, best = i;
            if (left < size && before(left, best)) best = left;
            if (right < size && before(right, best)) best = right;
            if (best == i) return;
            swap(i, best);
            i = best;
        }
    }

    private boolean before(int a, int b) {
        return ranks[a] != ranks[b] ? ranks[a] < ranks[b] : positions[a] < positions[b];
    }

    private void set(int i, int rank, int position, int mergedId) {
        ranks[i] = rank;
        positions[i] = position;
        merged[i] = mergedId;
    }

    private void swap(int a, int b) {
        int r = ranks[a], p = positions[a], m = merged[a];
        set(a, ranks[b], positions[b], merged[b]);
        set(b, r, p, m);
    }
}
