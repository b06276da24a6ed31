package dev.lopper.eval;

import java.util.List;

/** Everything the report writers show about one model. Either part may be empty. */
public record ModelReport(String label, ZeroShotResults zeroShot, List<PerplexityRow> perplexity) {
    public ModelReport {
        perplexity = perplexity == null ? List.of() : List.copyOf(perplexity);
    }

    public List<TaskResult> tasks() {
        return zeroShot == null ? List.of() : zeroShot.tasks();
    }
}
