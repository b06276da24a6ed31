package dev.lopper.eval;

import dev.lopper.data.TextCorpus;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The demo's report.md (lopper demo): what was pruned with what ({@link PruneSummary#markdown}),
 * then perplexity, a greedy sample of each model and speed, each with its chart.
 *
 * @param calibrationText how the report names the calibration text
 * @param speedTable      {@link SpeedReport#table} of the dense and pruned runs
 * @param charts          file names of the charts written beside report.md
 */
public record DemoReport(String method, double target, Path model, PruneSummary pruning, String calibrationText,
                         List<TextCorpus> corpora, ModelReport dense, ModelReport pruned, Sample sample,
                         String speedTable, List<String> charts) {
    public static final String SPEED_CHART = "speed.png";
    /** New tokens of the greedy sample. */
    public static final int SAMPLE_TOKENS = 40;

    /** A greedy continuation of one prompt by each model ({@link #SAMPLE_TOKENS} new tokens at most). */
    public record Sample(String prompt, String dense, String pruned) {}

    public String render(ReportStamp stamp) {
        var rec = pruning.record();
        StringBuilder md = new StringBuilder();
        md.append("# Lopper demo: ").append(method).append(" at ").append(Math.round(100 * target))
                .append("% of all parameters\n\n").append(stamp.line()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Model `%s`: %,d → %,d parameters (%.2f%% removed, target %.2f%%). "
                        + "The pruned model is in `pruned-model/` (its `README.md` says what loads it).%n%n",
                model, rec.parameters().before(), rec.parameters().after(),
                100 * rec.parameters().fractionRemoved(), 100 * target));
        md.append(pruning.markdown(calibrationText));
        md.append("\n## Perplexity\n\n");
        md.append("Windows of 128 tokens, each scored alone (the text tokenized once with BOS). Texts:\n\n");
        for (TextCorpus c : corpora) md.append("- ").append(c.name()).append(": ").append(c.protocol()).append("\n");
        md.append("\nOnly the first windows are scored (\"windows scored\"); `lopper eval --ppl wikitext2,ptb` "
                + "scores whole test sets.\n\n");
        md.append(MarkdownReport.perplexityTable(dense, pruned));
        md.append(MarkdownReport.image(charts, Charts.PERPLEXITY_FILE, "Perplexity, dense and pruned"));
        md.append("\n## Greedy generation (").append(SAMPLE_TOKENS).append(" tokens)\n\n- dense: **")
                .append(sample.prompt()).append("**").append(oneLine(sample.dense()))
                .append("\n- pruned: **").append(sample.prompt()).append("**").append(oneLine(sample.pruned())).append("\n");
        md.append("\n## Speed\n\n").append(speedTable);
        md.append(MarkdownReport.image(charts, SPEED_CHART,
                "Speed: bars at the median of the runs, whiskers from the slowest to the fastest run"));
        return md.toString();
    }

    /** A sample as one line (for the report's bullet and the console). */
    public static String oneLine(String s) {
        return s.replace('\n', ' ');
    }
}
