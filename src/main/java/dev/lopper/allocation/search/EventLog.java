package dev.lopper.allocation.search;

import java.util.Map;

/** Where the search records what happened: every prompt, reply, candidate, repair and fitness (the run folder's events.jsonl). */
@FunctionalInterface
public interface EventLog {
    EventLog NONE = (type, fields) -> {};

    void event(String type, Map<String, Object> fields);
}
