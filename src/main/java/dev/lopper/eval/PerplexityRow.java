package dev.lopper.eval;

/** One perplexity number for reports: corpus, window length in tokens, perplexity. */
public record PerplexityRow(String dataset, int seqLen, double perplexity) {}
