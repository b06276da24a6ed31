package dev.lopper.allocation.search;

import java.util.Map;
import java.util.TreeMap;

/**
 * Named counts of what happened during a search (requests, HTTP errors, unusable replies,
 * fallbacks to ga, cache hits ...). Kept in the checkpoint, so a resumed run goes on counting.
 */
public final class Counters {
    private final TreeMap<String, Long> counts = new TreeMap<>();

    public synchronized void inc(String name) {
        add(name, 1);
    }

    public synchronized void add(String name, long n) {
        counts.merge(name, n, Long::sum);
    }

    public synchronized long get(String name) {
        return counts.getOrDefault(name, 0L);
    }

    public synchronized Map<String, Long> snapshot() {
        return new TreeMap<>(counts);
    }

    public synchronized void restore(Map<String, Long> saved) {
        counts.clear();
        if (saved != null) counts.putAll(saved);
    }
}
