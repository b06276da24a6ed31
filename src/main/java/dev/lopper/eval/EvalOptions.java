package dev.lopper.eval;

import java.nio.file.Path;

/**
 * @param limit      score only the first {@code limit} examples of each task; 0 = all
 * @param logSamples JSONL file for every scored request, or null
 */
public record EvalOptions(int limit, Path logSamples) {
    public EvalOptions {
        if (limit < 0) throw new IllegalArgumentException("limit must be >= 0");
    }

    public static EvalOptions all() {
        return new EvalOptions(0, null);
    }
}
