package dev.lopper.allocation.search;

import java.util.Map;

/** Where the search records what happened: every prompt, reply, candidate, repair and fitness (the run folder's events.jsonl). */
@FunctionalInterface
public interface EventLog {
    EventLog NONE = (type, fields) -> {};

    void event(String type, Map<String, Object> fields);

    /**
     * A map that keeps the order given (key, value, key, value ...): logged maps must not use
     * {@code Map.of}, whose iteration order changes from one JVM to the next.
     */
    static Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
