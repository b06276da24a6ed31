package dev.lopper.cli;

import dev.lopper.eval.Charts;
import dev.lopper.eval.SpeedBench;
import dev.lopper.eval.SpeedReport;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.LlamaModel;
import dev.lopper.util.PeakMemory;
import dev.lopper.util.AtomicFiles;
import dev.lopper.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure inference speed: prefill and decode tokens/s, time to first token, memory, parameters.",
                "With --vs, both models run interleaved in one process and the ratio B/A is reported.",
                "Example: lopper bench --model dense/ --vs pruned/ --runs 7"})
final class BenchCommand implements Runnable {
    @Option(names = "--model", required = true, paramLabel = "A", description = "The model (the baseline with --vs).")
    Path model;

    @Option(names = "--vs", paramLabel = "B", description = "A second model to compare with A (default: none).")
    Path vs;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Sequences per prefill (default ${DEFAULT-VALUE}).")
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

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N", description = "Measured runs per model (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "N",
            description = "Unmeasured runs first, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--report", paramLabel = "DIR", description = "Write bench.md and bench.png into DIR (default: not written).")
    Path report;

    @Mixin CommonOptions common;

    @Override
    public void run() {
        common.outputs(null).input(model, "--model").input(vs, "--vs").folder(report, "--report", "bench.md").check();
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
        SpeedReport.Result result = SpeedReport.Result.of(s, speeds, PeakMemory.read().bytes(),
                dev.lopper.tensor.Parallel.threads());
        String table = SpeedReport.table(result);
        System.out.print(table);
        common.writeJson(result);
        if (report != null) writeReport(result, table);
    }

    private static String label(Path p) {
        return p.toAbsolutePath().normalize().getFileName().toString();
    }

    /** bench.md (the table and settings) and bench.png (each measure of each model, with the runs' range). */
    private void writeReport(SpeedReport.Result r, String table) {
        try {
            Files.createDirectories(report);
        } catch (java.io.IOException e) {
            throw new dev.lopper.BadInputException(report, "cannot create the report folder: " + e.getMessage());
        }
        Charts.speed(report.resolve("bench.png"), r.models());
        AtomicFiles.writeString(report.resolve("bench.md"), "# Inference speed\n\n"
                + dev.lopper.eval.ReportStamp.now().line() + "\n\n" + table
                + "\n![Speed: bars at the median of the runs, whiskers from the slowest to the fastest run](bench.png)\n");
        System.out.println("report: " + report.resolve("bench.md"));
    }
}
