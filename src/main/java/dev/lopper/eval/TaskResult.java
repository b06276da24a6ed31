package dev.lopper.eval;

/**
 * Scores of one task. For greedy tasks (LAMBADA) acc is the greedy-match rate, accNorm is
 * null and perplexity = exp(-mean log-likelihood of the target word); otherwise perplexity is null.
 *
 * @param tableMetric "acc" or "acc_norm": the value the usual paper table shows, in {@code tableValue}
 */
public record TaskResult(
        String task,
        int examples,
        double acc,
        double accStderr,
        Double accNorm,
        Double accNormStderr,
        Double perplexity,
        String tableMetric,
        double tableValue,
        String promptFormat) {}
