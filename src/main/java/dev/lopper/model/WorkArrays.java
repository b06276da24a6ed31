package dev.lopper.model;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * fp32 work arrays of a thread's forward and backward calls, reused by exact length: a layer
 * hands its temporaries back and the next layer (and the next call) takes them again, so a run
 * allocates about one layer's arrays instead of new ones per layer and per call. Without this,
 * the megabyte-sized activations that die a layer later were promoted by the young collector and
 * the JVM grew its heap to several times the live data (pruning the 8M model: 180 MB of heap for
 * ~25 MB live; evaluating it: over 1 GB).
 *
 * <p>Arrays not taken during a whole call are dropped at the start of the next ({@link #begin}),
 * so shapes that stop occurring (another batch size, another sequence length) are not kept.
 * One call at a time: {@link #begin} refuses a second (another thread's, or a re-entrant one),
 * which then uses an instance of its own.
 */
final class WorkArrays {
    private Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    // What the previous call left free: taken from when the current lists are empty, dropped next call.
    private Map<Integer, ArrayDeque<float[]>> older = new HashMap<>();
    // Arrays now in a free list: a second release of the same array (e.g. attnM, which is attn
    // itself when there are no masks) must not put it in twice.
    private final Map<float[], Boolean> released = new IdentityHashMap<>();
    private final AtomicBoolean inCall = new AtomicBoolean();

    /** Starts a call; false when one is already running (that caller must use its own instance). */
    boolean begin() {
        if (!inCall.compareAndSet(false, true)) return false;
        for (ArrayDeque<float[]> q : older.values()) for (float[] a : q) released.remove(a);
        older = free;
        free = new HashMap<>();
        return true;
    }

    void end() {
        inCall.set(false);
    }

    /** A zero-filled array of length n, like {@code new float[n]}. */
    float[] zeroed(int n) {
        float[] a = poll(free, n);
        if (a == null) a = poll(older, n);
        if (a == null) return new float[n];
        released.remove(a);
        Arrays.fill(a, 0f);
        return a;
    }

    private static float[] poll(Map<Integer, ArrayDeque<float[]>> lists, int n) {
        ArrayDeque<float[]> q = lists.get(n);
        return q == null ? null : q.poll();
    }

    /** A copy of {@code src}. */
    float[] copyOf(float[] src) {
        float[] a = zeroed(src.length);
        System.arraycopy(src, 0, a, 0, src.length);
        return a;
    }

    /** Hands arrays back for reuse; the caller must hold no other reference to them. Nulls are ignored. */
    void release(float[]... arrays) {
        for (float[] a : arrays) {
            if (a == null || released.put(a, Boolean.TRUE) != null) continue;
            free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        }
    }
}
