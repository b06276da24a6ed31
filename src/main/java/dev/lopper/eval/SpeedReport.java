package dev.lopper.eval;

import java.util.List;
import java.util.Locale;

/** The speed benchmark as Markdown: settings, one row per model with [min, max], and B/A with its spread. */
public final class SpeedReport {
    private SpeedReport() {}

    /** Everything a bench run measured; {@code comparison} is null for a single model. */
    public record Result(SpeedBench.Settings settings, List<SpeedBench.ModelSpeed> models,
                         SpeedBench.Comparison ratioBtoA, long processPeakMemoryBytes, int threads) {
        public static Result of(SpeedBench.Settings s, List<SpeedBench.ModelSpeed> models, long peak, int threads) {
            return new Result(s, models, models.size() == 2 ? SpeedBench.Comparison.of(models.get(0), models.get(1)) : null,
                    peak, threads);
        }
    }

    public static String table(Result r) {
        StringBuilder sb = new StringBuilder();
        SpeedBench.Settings s = r.settings();
        sb.append(String.format(Locale.ROOT, "batch %d × %d prompt tokens, %d decoded tokens, %d interleaved runs per "
                        + "model after %d warm-up runs (median [min, max] of the runs), %d threads%n%n", s.batch(),
                s.promptLength(), s.decodeTokens(), s.runs(), s.warmups(), r.threads()));
        sb.append("| model | parameters | weights MB | prefill tok/s | decode tok/s | first token ms | forward+backward tok/s |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (SpeedBench.ModelSpeed m : r.models()) {
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %s | %s | %s | %s |%n", m.label(), m.parameters(),
                    m.weightBytes() / 1e6, fmt(m.prefillTokensPerSecond()), fmt(m.decodeTokensPerSecond()),
                    fmt(m.timeToFirstTokenMs()), fmt(m.backwardTokensPerSecond())));
        }
        sb.append('\n');
        if (r.ratioBtoA() != null) {
            SpeedBench.ModelSpeed a = r.models().get(0), b = r.models().get(1);
            sb.append(comparison(a.label(), b.label(), r.ratioBtoA(), s.runs())).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "process peak memory (RSS) %.0f MB%n", r.processPeakMemoryBytes() / 1e6));
        return sb.toString();
    }

    /**
     * B against A as a list: each ratio is the median of the run-by-run ratios with their range;
     * a range that includes 1 is reported as within noise instead of as a difference.
     */
    public static String comparison(String a, String b, SpeedBench.Comparison c, int runs) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s against %s (median of %d run-by-run ratios, [min–max]):%n%n", b, a, runs));
        sb.append(line("prefill tokens/s", c.prefill(), "as fast"));
        sb.append(line("decode tokens/s", c.decode(), "as fast"));
        sb.append(line("time to first token", c.timeToFirstToken(), "the time"));
        sb.append(line("forward+backward tokens/s", c.backward(), "as fast"));
        sb.append(String.format(Locale.ROOT, "- parameters: %.3f×%n", c.parameters()));
        return sb.toString();
    }

    private static String line(String what, SpeedBench.Ratio r, String unit) {
        String verdict = r.withinNoise() ? ": **within noise** (the runs disagree on which is faster)" : "";
        return String.format(Locale.ROOT, "- %s: %.2f× %s [%.2f–%.2f]%s%n", what, r.median(), unit, r.min(), r.max(), verdict);
    }

    private static String fmt(SpeedBench.Stat s) {
        return String.format(Locale.ROOT, "%.1f [%.1f, %.1f]", s.median(), s.min(), s.max());
    }
}
