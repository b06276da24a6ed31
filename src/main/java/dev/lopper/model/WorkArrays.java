package dev.lopper.model;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * fp32 work arrays of one forward or backward call, reused by exact length: a layer hands its
 * temporaries back and the next layer takes them again, so a pass allocates about one layer's
 * arrays instead of new ones per layer. Without this, the megabyte-sized activations that die a
 * layer later were promoted by the young collector and the JVM grew its heap to several times the
 * live data (pruning the 8M model: 180 MB of heap for ~25 MB live).
 *
 * <p>Confined to the calling thread; dropped with the call that made it.
 */
final class WorkArrays {
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    // Arrays now in the free lists: a second release of the same array (e.g. attnM, which is attn
    // itself when there are no masks) must not put it in twice.
    private final Map<float[], Boolean> released = new IdentityHashMap<>();

    /** A zero-filled array of length n, like {@code new float[n]}. */
    float[] zeroed(int n) {
        ArrayDeque<float[]> q = free.get(n);
        float[] a = q == null ? null : q.poll();
        if (a == null) return new float[n];
        released.remove(a);
        Arrays.fill(a, 0f);
        return a;
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
