package dev.lopper.eval;

import dev.lopper.data.Tasks;
import dev.lopper.data.ZeroShotTask;
import dev.lopper.util.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Markdown tables for one model, or two side by side with deltas (second minus first).
 * Accuracies are shown in percent; deltas in percentage points.
 */
public final class MarkdownReport {
    public static final String FILE_NAME = "report.md";
    /** Marks where the 7-task average row goes among the task rows. */
    private static final String AVERAGE = "\u0000average";

    private MarkdownReport() {}

    /**
     * Writes the charts that have data and report.md, which shows them, into {@code reportDir};
     * returns the path of report.md.
     */
    public static Path write(Path reportDir, List<ModelReport> models) {
        List<Path> charts = Charts.write(reportDir, models);
        Path file = reportDir.resolve(FILE_NAME);
        AtomicFiles.writeString(file, render(models, ReportStamp.now(),
                charts.stream().map(c -> c.getFileName().toString()).toList()));
        return file;
    }

    /** The report without charts. */
    public static String render(List<ModelReport> models) {
        return render(models, ReportStamp.now(), List.of());
    }

    /** @param charts file names of the charts written beside report.md, shown under their sections */
    public static String render(List<ModelReport> models, ReportStamp stamp, List<String> charts) {
        if (models.isEmpty() || models.size() > 2) {
            throw new IllegalArgumentException("a report shows one or two models, got " + models.size());
        }
        String title = "# Evaluation: " + models.stream().map(ModelReport::label).reduce((x, y) -> x + " vs " + y).orElseThrow()
                + "\n\n" + stamp.line() + "\n\n";
        return title + (models.size() == 1 ? renderOne(models.getFirst(), charts)
                : renderTwo(models.get(0), models.get(1), charts));
    }

    /** A Markdown image line for {@code file} when it is among the charts written, else nothing. */
    public static String image(List<String> charts, String file, String alt) {
        return charts.contains(file) ? "\n![" + alt + "](" + file + ")\n" : "";
    }

    private static String renderOne(ModelReport m, List<String> charts) {
        StringBuilder md = new StringBuilder();
        if (!m.tasks().isEmpty()) {
            md.append("## Zero-shot\n\n");
            md.append("| task | n | acc | acc_norm | table metric | table value |\n");
            md.append("|---|---:|---:|---:|---|---:|\n");
            List<String> names = taskNames(m, m);
            for (String name : names) {
                if (name.equals(AVERAGE)) {
                    md.append(row("**average (7 tasks)**", "", "", "", "", average(m)));
                    continue;
                }
                TaskResult t = find(m, name).orElseThrow();
                md.append(row(t.task(), String.valueOf(t.examples()), pctErr(t.acc(), t.accStderr()),
                        t.accNorm() == null ? "—" : pctErr(t.accNorm(), t.accNormStderr()), t.tableMetric(),
                        pct(t.tableValue())));
            }
            for (TaskResult t : m.tasks()) {
                if (t.perplexity() != null) {
                    md.append("\n").append(t.task()).append(" perplexity of the target word: ")
                            .append(num(t.perplexity())).append("\n");
                }
            }
            limitNote(md, m);
            md.append(image(charts, Charts.ACCURACY_FILE, "Zero-shot accuracy per task, with chance level"));
        }
        if (!m.perplexity().isEmpty()) {
            md.append("\n## Perplexity\n\n| dataset | seq | windows scored | perplexity |\n|---|---:|---|---:|\n");
            for (PerplexityRow p : m.perplexity()) {
                md.append(row(p.dataset(), String.valueOf(p.seqLen()), p.coverage(), num(p.perplexity())));
            }
            md.append(image(charts, Charts.PERPLEXITY_FILE, "Perplexity per corpus"));
        }
        return md.toString();
    }

    private static String renderTwo(ModelReport a, ModelReport b, List<String> charts) {
        StringBuilder md = new StringBuilder();
        List<String> tasks = taskNames(a, b);
        if (!tasks.isEmpty()) {
            md.append("## Zero-shot (table metric, %; Δ in points)\n\n");
            md.append("| task | metric | ").append(a.label()).append(" | ").append(b.label()).append(" | Δ |\n");
            md.append("|---|---|---:|---:|---:|\n");
            for (String name : tasks) {
                if (name.equals(AVERAGE)) {
                    Double avgA = avg(a);
                    Double avgB = avg(b);
                    md.append(row("**average (7 tasks)**", "", average(a), average(b),
                            avgA != null && avgB != null ? signedPoints(avgB - avgA) : "—"));
                    continue;
                }
                Optional<TaskResult> ta = find(a, name);
                Optional<TaskResult> tb = find(b, name);
                String metric = ta.or(() -> tb).map(TaskResult::tableMetric).orElse("");
                md.append(row(name, metric, ta.map(t -> pct(t.tableValue())).orElse("—"),
                        tb.map(t -> pct(t.tableValue())).orElse("—"),
                        ta.isPresent() && tb.isPresent()
                                ? signedPoints(tb.get().tableValue() - ta.get().tableValue()) : "—"));
            }
            md.append("\n### acc and acc_norm\n\n");
            md.append("| task | n | ").append(a.label()).append(" acc | ").append(a.label()).append(" acc_norm | ")
                    .append(b.label()).append(" acc | ").append(b.label()).append(" acc_norm |\n");
            md.append("|---|---:|---:|---:|---:|---:|\n");
            for (String name : tasks) {
                if (name.equals(AVERAGE)) continue;
                Optional<TaskResult> ta = find(a, name);
                Optional<TaskResult> tb = find(b, name);
                String n = ta.or(() -> tb).map(t -> String.valueOf(t.examples())).orElse("");
                md.append(row(name, n, ta.map(t -> pct(t.acc())).orElse("—"), ta.map(MarkdownReport::norm).orElse("—"),
                        tb.map(t -> pct(t.acc())).orElse("—"), tb.map(MarkdownReport::norm).orElse("—")));
            }
            for (String name : tasks) {
                Optional<Double> pa = find(a, name).map(TaskResult::perplexity);
                Optional<Double> pb = find(b, name).map(TaskResult::perplexity);
                if (pa.isPresent() || pb.isPresent()) {
                    md.append("\n").append(name).append(" perplexity of the target word: ")
                            .append(pa.map(MarkdownReport::num).orElse("—")).append(" → ")
                            .append(pb.map(MarkdownReport::num).orElse("—")).append("\n");
                }
            }
            limitNote(md, a);
            md.append(image(charts, Charts.ACCURACY_FILE, "Zero-shot accuracy per task, with chance level"));
        }
        String ppl = perplexityTable(a, b);
        if (!ppl.isEmpty()) {
            md.append("\n## Perplexity (Δ = second / first − 1)\n\n").append(ppl);
            md.append(image(charts, Charts.PERPLEXITY_FILE, "Perplexity per corpus"));
        }
        return md.toString();
    }

    /** Two models' perplexities side by side with the part of each text scored; empty without any. */
    public static String perplexityTable(ModelReport a, ModelReport b) {
        StringBuilder md = new StringBuilder();
        List<String> corpora = perplexityKeys(a, b);
        if (!corpora.isEmpty()) {
            md.append("| dataset | seq | windows scored | ").append(a.label()).append(" | ").append(b.label()).append(" | Δ |\n");
            md.append("|---|---:|---|---:|---:|---:|\n");
            for (String key : corpora) {
                Optional<PerplexityRow> pa = findPpl(a, key);
                Optional<PerplexityRow> pb = findPpl(b, key);
                PerplexityRow any = pa.or(() -> pb).orElseThrow();
                md.append(row(any.dataset(), String.valueOf(any.seqLen()), any.coverage(),
                        pa.map(p -> num(p.perplexity())).orElse("—"), pb.map(p -> num(p.perplexity())).orElse("—"),
                        pa.isPresent() && pb.isPresent()
                                ? String.format(Locale.ROOT, "%+.1f%%",
                                        100 * (pb.get().perplexity() / pa.get().perplexity() - 1))
                                : "—"));
            }
        }
        return md.toString();
    }

    private static void limitNote(StringBuilder md, ModelReport m) {
        if (m.zeroShot() != null && m.zeroShot().limit() > 0) {
            md.append("\n_Only the first ").append(m.zeroShot().limit())
                    .append(" examples of each task were scored (--limit)._\n");
        }
    }

    /**
     * Task names of both models in table order: the standard seven, the {@link #AVERAGE} marker,
     * then extra tasks such as LAMBADA, which the average leaves out.
     */
    private static List<String> taskNames(ModelReport a, ModelReport b) {
        List<String> present = new ArrayList<>();
        for (ModelReport m : List.of(a, b)) {
            for (TaskResult t : m.tasks()) if (!present.contains(t.task())) present.add(t.task());
        }
        if (present.isEmpty()) return present;
        List<String> ordered = new ArrayList<>();
        for (ZeroShotTask standard : Tasks.STANDARD_SEVEN) {
            if (present.contains(standard.name())) ordered.add(standard.name());
        }
        ordered.add(AVERAGE);
        for (String name : present) if (!ordered.contains(name)) ordered.add(name);
        return ordered;
    }

    private static List<String> perplexityKeys(ModelReport a, ModelReport b) {
        List<String> keys = new ArrayList<>();
        for (ModelReport m : List.of(a, b)) {
            for (PerplexityRow p : m.perplexity()) if (!keys.contains(key(p))) keys.add(key(p));
        }
        return keys;
    }

    private static String key(PerplexityRow p) {
        return p.dataset() + "@" + p.seqLen();
    }

    private static Optional<TaskResult> find(ModelReport m, String task) {
        return m.tasks().stream().filter(t -> t.task().equals(task)).findFirst();
    }

    private static Optional<PerplexityRow> findPpl(ModelReport m, String key) {
        return m.perplexity().stream().filter(p -> key(p).equals(key)).findFirst();
    }

    private static Double avg(ModelReport m) {
        return m.zeroShot() == null ? null : m.zeroShot().averageOfSeven();
    }

    private static String average(ModelReport m) {
        Double avg = avg(m);
        return avg == null ? "— (needs all 7)" : "**" + pct(avg) + "**";
    }

    private static String norm(TaskResult t) {
        return t.accNorm() == null ? "—" : pct(t.accNorm());
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String pct(double value) {
        return String.format(Locale.ROOT, "%.2f", 100 * value);
    }

    private static String pctErr(double value, double stderr) {
        return Double.isNaN(stderr) ? pct(value)
                : String.format(Locale.ROOT, "%.2f ± %.2f", 100 * value, 100 * stderr);
    }

    private static String signedPoints(double delta) {
        return String.format(Locale.ROOT, "%+.2f", 100 * delta);
    }

    private static String num(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
