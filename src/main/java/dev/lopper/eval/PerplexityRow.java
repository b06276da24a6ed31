package dev.lopper.eval;

import java.util.Locale;

/**
 * One perplexity number for reports: corpus, window length in tokens, perplexity, and which part
 * of the text was scored: the first {@code windows} of its {@code availableWindows}.
 */
public record PerplexityRow(String dataset, int seqLen, double perplexity, int windows, int availableWindows) {
    /** "all 3007" or "first 200 of 3007". */
    public String coverage() {
        return windows >= availableWindows ? String.format(Locale.ROOT, "all %d", availableWindows)
                : String.format(Locale.ROOT, "first %d of %d", windows, availableWindows);
    }
}
