package dev.lopper.cli;

import dev.lopper.eval.Charts;
import dev.lopper.eval.SpeedBench;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.LlamaModel;
import dev.lopper.surgery.PeakMemory;
import dev.lopper.util.AtomicFiles;
import dev.lopper.util.OutputPaths;
import dev.lopper.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure inference speed: prefill and decode tokens/s, time to first token, memory, parameters.",
                "With --vs, both models run interleaved in one process and the ratio B/A is reported.",
                "Example: lopper bench --model dense/ --vs pruned/ --runs 7"})
final class BenchCommand implements Runnable {
    @Option(names = "--model", required = true, paramLabel = "A", description = "The model (the baseline with --vs).")
    Path model;

    @Option(names = "--vs", paramLabel = "B", description = "A second model to compare with A (default: none).")
    Path vs;

    @Option(names = "--batch", defaultValue = "4", description = "Sequences per prefill (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--prompt-len", defaultValue = "128", paramLabel = "TOKENS", description = "Prompt tokens (default ${DEFAULT-VALUE}).")
    int promptLength;

    @Option(names = "--new-tokens", paramLabel = "N",   // default: the initial value (see EvalSelection.seq)
            description = "Tokens decoded per run (default ${DEFAULT-VALUE}).")
    int decode = 64;

    /** The old name of --new-tokens, kept working but not shown. */
    @Option(names = "--decode", hidden = true, paramLabel = "N")
    void decodeAlias(int n) {
        decode = n;
    }

    @Option(names = "--runs", defaultValue = "5", description = "Measured runs per model (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Unmeasured runs first, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--report", paramLabel = "DIR", description = "Write bench.md and bench.png into DIR (default: not written).")
    Path report;

    @Mixin CommonOptions common;

    record Ratio(double prefill, double decode, double timeToFirstToken, double parameters) {
        /** B/A of the medians for two models; null for one. */
        static Ratio of(List<SpeedBench.ModelSpeed> s) {
            if (s.size() != 2) return null;
            SpeedBench.ModelSpeed a = s.get(0), b = s.get(1);
            return new Ratio(b.prefillTokensPerSecond().median() / a.prefillTokensPerSecond().median(),
                    b.decodeTokensPerSecond().median() / a.decodeTokensPerSecond().median(),
                    b.timeToFirstTokenMs().median() / a.timeToFirstTokenMs().median(),
                    (double) b.parameters() / a.parameters());
        }
    }

    record BenchResult(SpeedBench.Settings settings, List<SpeedBench.ModelSpeed> models, Ratio ratioBtoA,
                       long processPeakMemoryBytes, int threads) {}

    @Override
    public void run() {
        common.checkOutputs();
        OutputPaths.checkFolder(report, "--report");
        if (batch < 1) throw new BadInputException("--batch must be at least 1");
        if (promptLength < 1) throw new BadInputException("--prompt-len must be at least 1");
        if (decode < 1) throw new BadInputException("--new-tokens must be at least 1");
        if (runs < 1) throw new BadInputException("--runs must be at least 1");
        if (warmup < 0) throw new BadInputException("--warmup must be >= 0");
        List<String> labels = new ArrayList<>(List.of(label(model)));
        List<LlamaModel> models = new ArrayList<>(List.of(Checkpoints.load(model)));
        if (vs != null) {
            labels.add(label(vs).equals(labels.get(0)) ? label(vs) + " (B)" : label(vs));
            models.add(Checkpoints.load(vs));
        }
        for (int i = 0; i < models.size(); i++) {
            int context = models.get(i).config().maxPositions();
            if (decode >= context)
                throw new BadInputException(i == 0 ? model : vs, "--new-tokens " + decode
                        + " leaves no room for a prompt in the model's context of " + context + " tokens");
        }
        SpeedBench.Settings s = new SpeedBench.Settings(batch, promptLength, decode, runs, warmup, 1);
        List<SpeedBench.ModelSpeed> speeds = SpeedBench.run(labels, models, s, common.progress());
        BenchResult result = new BenchResult(s, speeds, Ratio.of(speeds), PeakMemory.read().bytes(),
                dev.lopper.tensor.Parallel.threads());
        String table = table(result);
        System.out.print(table);
        common.writeJson(result);
        if (report != null) writeReport(result, table);
    }

    private static String label(Path p) {
        return p.toAbsolutePath().normalize().getFileName().toString();
    }

    static String table(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        SpeedBench.Settings s = r.settings();
        sb.append(String.format("batch %d × %d prompt tokens, %d decoded tokens, %d runs after %d warm-up runs "
                        + "(median [min, max]), %d threads%n%n", s.batch(), s.promptLength(), s.decodeTokens(), s.runs(),
                s.warmups(), r.threads()));
        sb.append(String.format("| model | parameters | weights MB | prefill tok/s | decode tok/s | first token ms | forward+backward tok/s |%n"));
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (SpeedBench.ModelSpeed m : r.models()) {
            sb.append(String.format("| %s | %,d | %.1f | %s | %s | %s | %s |%n", m.label(), m.parameters(),
                    m.weightBytes() / 1e6, fmt(m.prefillTokensPerSecond()), fmt(m.decodeTokensPerSecond()),
                    fmt(m.timeToFirstTokenMs()), fmt(m.backwardTokensPerSecond())));
        }
        sb.append('\n');
        if (r.ratioBtoA() != null) {
            Ratio q = r.ratioBtoA();
            sb.append(String.format("B/A: prefill %.3fx, decode %.3fx, first token %.3fx the time, parameters %.3fx%n",
                    q.prefill(), q.decode(), q.timeToFirstToken(), q.parameters()));
            sb.append('\n');
        }
        sb.append(String.format("process peak memory (RSS) %.0f MB%n", r.processPeakMemoryBytes() / 1e6));
        return sb.toString();
    }

    private static String fmt(SpeedBench.Stat s) {
        return String.format("%.1f [%.1f, %.1f]", s.median(), s.min(), s.max());
    }

    /** bench.md (the table and settings) and bench.png (tokens/s of each model). */
    private void writeReport(BenchResult r, String table) {
        try {
            Files.createDirectories(report);
        } catch (java.io.IOException e) {
            throw new dev.lopper.BadInputException(report, "cannot create the report folder: " + e.getMessage());
        }
        AtomicFiles.writeString(report.resolve("bench.md"), "# Inference speed\n\n" + table);
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (SpeedBench.ModelSpeed m : r.models()) {
            series.put(m.label(), List.of(m.prefillTokensPerSecond().median(), m.decodeTokensPerSecond().median()));
        }
        Charts.bars(report.resolve("bench.png"), "Inference speed (median of runs)", "tokens / s",
                List.of("prefill", "decode"), series);
        System.out.println("report: " + report.resolve("bench.md"));
    }
}
