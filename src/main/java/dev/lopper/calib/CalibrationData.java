package dev.lopper.calib;

import dev.lopper.BadInputException;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Calibration windows: {@code windows} sequences of {@code length} tokens cut from one token
 * stream (the caller tokenizes the corpus). Every window has the same length, so the mean of
 * per-window mean losses equals the mean loss of the whole set (second-order Taylor relies on it).
 */
public final class CalibrationData {
    private final int[] tokens;   // windows·length, row-major
    private final int[] offsets;  // start of each window in the source stream (-1 when not cut from one)
    private final int windows;
    private final int length;

    private CalibrationData(int[] tokens, int[] offsets, int windows, int length) {
        this.tokens = tokens;
        this.offsets = offsets;
        this.windows = windows;
        this.length = length;
    }

    /**
     * {@code n} non-overlapping windows at random offsets, the same for the same seed: the
     * unused tokens (slack) are split into n+1 random gaps (n sorted uniform draws in
     * [0, slack]), so every placement of non-overlapping windows is possible. Windows come in
     * stream order.
     */
    public static CalibrationData random(int[] corpus, int n, int length, long seed) {
        checkFits(corpus, n, length);
        int slack = corpus.length - n * length;
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] starts = new int[n];
        for (int i = 0; i < n; i++) starts[i] = rnd.nextInt(slack + 1);
        Arrays.sort(starts);
        for (int i = 0; i < n; i++) starts[i] += i * length;
        return cut(corpus, starts, length);
    }

    /**
     * {@code n} windows of {@code length} tokens from {@code corpus} that overlap none of
     * {@code taken}'s windows (which must have been cut from a prefix of the same stream): the
     * free stretches between and after them are cut into consecutive windows from each stretch's
     * start, and {@code n} of those are drawn with the seed (in stream order). HyWIA learns its
     * fusion on these, so that it is not fitted to the text that produced the gradients.
     *
     * @throws BadInputException when fewer than {@code n} such windows fit
     */
    public static CalibrationData disjointFrom(CalibrationData taken, int[] corpus, int n, int length, long seed) {
        checkLength(length);
        if (n <= 0) throw new IllegalArgumentException("number of windows must be positive, not " + n);
        int[] starts = taken.offsets.clone();
        Arrays.sort(starts);
        java.util.List<Integer> candidates = new java.util.ArrayList<>();
        int free = 0;
        for (int i = 0; i <= starts.length; i++) {
            if (i < starts.length && starts[i] < 0)
                throw new IllegalArgumentException("windows given directly have no place in the stream");
            int end = i < starts.length ? starts[i] : corpus.length;
            for (int s = free; s + length <= end; s += length) candidates.add(s);
            if (i < starts.length) free = Math.max(free, starts[i] + taken.length);
        }
        if (candidates.size() < n)
            throw new BadInputException("calibration text has " + corpus.length + " tokens: beside the "
                    + taken.windows + " gradient windows of " + taken.length + " tokens only " + candidates.size()
                    + " disjoint fusion windows of " + length + " tokens fit, " + n + " asked");
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x66757369L);   // "fusi"
        int[] pool = candidates.stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < n; i++) {                                    // partial Fisher–Yates
            int j = i + rnd.nextInt(pool.length - i);
            int tmp = pool[i];
            pool[i] = pool[j];
            pool[j] = tmp;
        }
        int[] chosen = Arrays.copyOf(pool, n);
        Arrays.sort(chosen);
        return cut(corpus, chosen, length);
    }

    /** The first {@code n} consecutive windows of the stream (offsets 0, L, 2L, ...). */
    public static CalibrationData consecutive(int[] corpus, int n, int length) {
        checkFits(corpus, n, length);
        int[] starts = new int[n];
        for (int i = 0; i < n; i++) starts[i] = i * length;
        return cut(corpus, starts, length);
    }

    /** Windows given directly (e.g. one per document); all must have the same length. */
    public static CalibrationData of(int[][] windows) {
        if (windows.length == 0) throw new IllegalArgumentException("no calibration windows");
        int len = windows[0].length;
        checkLength(len);
        int[] flat = new int[windows.length * len];
        for (int i = 0; i < windows.length; i++) {
            if (windows[i].length != len)
                throw new IllegalArgumentException("window " + i + " has " + windows[i].length + " tokens, not " + len);
            System.arraycopy(windows[i], 0, flat, i * len, len);
        }
        int[] off = new int[windows.length];
        Arrays.fill(off, -1);
        return new CalibrationData(flat, off, windows.length, len);
    }

    private static void checkLength(int length) {
        if (length < 2) throw new IllegalArgumentException("a calibration window needs at least 2 tokens, not " + length);
    }

    private static void checkFits(int[] corpus, int n, int length) {
        checkLength(length);
        if (n <= 0) throw new IllegalArgumentException("number of calibration windows must be positive, not " + n);
        if (corpus.length < length)
            throw new BadInputException("calibration text has " + corpus.length
                    + " tokens, shorter than one window of " + length + " tokens");
        long need = (long) n * length;
        if (need > corpus.length)
            throw new BadInputException("calibration text has " + corpus.length + " tokens: only "
                    + corpus.length / length + " windows of " + length + " tokens fit, " + n + " asked");
    }

    private static CalibrationData cut(int[] corpus, int[] starts, int length) {
        int[] flat = new int[starts.length * length];
        for (int i = 0; i < starts.length; i++) System.arraycopy(corpus, starts[i], flat, i * length, length);
        return new CalibrationData(flat, starts, starts.length, length);
    }

    public int windows() { return windows; }

    public int length() { return length; }

    /** Where each window starts in the source token stream (-1 for windows given directly). */
    public int[] offsets() { return offsets.clone(); }

    /** One window's tokens (a copy). */
    public int[] window(int i) {
        return batch(i, 1);
    }

    /** Windows [from, from+count) as one row-major [count, length] token array (a copy). */
    public int[] batch(int from, int count) {
        if (from < 0 || count <= 0 || from + count > windows)
            throw new IndexOutOfBoundsException("windows " + from + "+" + count + " of " + windows);
        return Arrays.copyOfRange(tokens, from * length, (from + count) * length);
    }
}
