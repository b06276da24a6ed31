package dev.lopper.eval;

/**
 * One scored request in the --log-samples JSONL (field names in snake_case, as lm-eval's
 * samples). {@code pred}, {@code predNorm} and {@code correct} belong to the example and repeat
 * on each of its requests so every line stands alone.
 */
public record SampleRecord(
        String task,
        int doc,
        int choice,
        String context,
        String continuation,
        int contextTokens,
        int continuationTokens,
        int continuationBytes,
        double loglik,
        boolean greedy,
        int gold,
        int pred,
        int predNorm,
        boolean correct) {}
