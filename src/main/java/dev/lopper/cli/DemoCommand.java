package dev.lopper.cli;

import dev.lopper.model.Pass;
import dev.lopper.BadInputException;
import dev.lopper.data.DataDir;
import dev.lopper.data.DemoTexts;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.Charts;
import dev.lopper.eval.Completion;
import dev.lopper.eval.DemoReport;
import dev.lopper.eval.MarkdownReport;
import dev.lopper.eval.ModelCard;
import dev.lopper.eval.ModelReport;
import dev.lopper.eval.Perplexity;
import dev.lopper.eval.PruneSummary;
import dev.lopper.eval.ReportStamp;
import dev.lopper.eval.SpeedBench;
import dev.lopper.eval.SpeedReport;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Sampler;
import dev.lopper.model.CausalLM;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.Method;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.util.PeakMemory;
import dev.lopper.util.AtomicFiles;
import dev.lopper.util.Leftovers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Lopper's main job on the embedded model: prune it, then compare dense and pruned "
                        + "(perplexity, a generated sample from each, parameters, speed) and write a report folder.",
                "Needs no data folder: its texts ship in data/demo (PTB is added when a data folder has it)."})
final class DemoCommand implements Runnable {
    static final String EMBEDDED_MODEL = "models/tiny-llama-gqa-8m";

    @Option(names = "--model", paramLabel = "DIR", description = "Model to prune (default: the embedded " + EMBEDDED_MODEL + ").")
    Path model;

    @Option(names = "--method", paramLabel = "PRESET", defaultValue = "wanda-sp",
            description = "Preset: ${COMPLETION-CANDIDATES}, described under Presets (default ${DEFAULT-VALUE}: the best on this model in docs/results/criteria.md).")
    Method method;

    @Option(names = "--target", paramLabel = "FRACTION", defaultValue = "0.3",
            description = "Fraction of all parameters to remove (default ${DEFAULT-VALUE}).")
    double target;

    @Option(names = "--report", paramLabel = "DIR", description = "Report folder, new (default: reports/demo-<time>).")
    Path out;

    /** The old name of --report, kept working but not shown. */
    @Option(names = "--out", hidden = true, paramLabel = "DIR")
    void outAlias(Path dir) {
        out = dir;
    }

    @Option(names = "--max-windows", defaultValue = "200", paramLabel = "N",
            description = "Perplexity windows of 128 tokens per corpus (default ${DEFAULT-VALUE}).")
    int maxWindows;

    @Option(names = "--calib-windows", defaultValue = "64", paramLabel = "N",
            description = "Calibration windows (of up to 512 tokens; default ${DEFAULT-VALUE}).")
    int calibrationSamples;

    @Option(names = "--runs", defaultValue = "9", paramLabel = "N",
            description = "Measured speed runs per model, dense and pruned interleaved (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N",
            description = "Unmeasured speed runs first, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin CommonOptions common;

    record DemoResult(String model, String method, double target, dev.lopper.io.PruningRecord pruning,
                      List<Perplexity.Result> densePerplexity, List<Perplexity.Result> prunedPerplexity,
                      DemoReport.Sample sample, SpeedReport.Result speed, String report) {}

    @Override
    public void run() {
        if (calibrationSamples < 1 || runs < 1 || warmup < 0)
            throw new BadInputException("--calib-windows and --runs must be at least 1, --warmup at least 0");
        Path modelDir = model != null ? model : embeddedModel();
        Path dir = out != null ? out : Path.of("reports", "demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (maxWindows < 0) throw new BadInputException("--max-windows must be >= 0");
        Path data = DataDir.resolve(common.data);
        // The texts ship with Lopper (data/demo); PTB is added when a data folder has it.
        List<TextCorpus> corpora = DemoTexts.evaluation(data);
        // A new folder; with --force an old demo report (it holds report.md) is replaced once the new one is complete.
        common.outputs().input(modelDir, "--model").input(DemoTexts.calibration(), "the demo's calibration text")
                .inputs(corpora.stream().map(TextCorpus::file).toList(), "the demo's evaluation text")
                .output(dir, "--report", common.force ? dev.lopper.util.OutputPaths.Kind.FOLDER
                        : dev.lopper.util.OutputPaths.Kind.NEW_FOLDER, MarkdownReport.FILE_NAME).check();
        Path work = Files.exists(dir) ? AtomicFiles.sibling(dir, "new") : dir;
        Path calibration = DemoTexts.calibration();
        var progress = common.progress();

        LlamaModel dense = Checkpoints.load(modelDir);
        // The folder written (new, or a staging sibling of the old report): deleted again if the demo fails or is stopped.
        boolean done = false;
        try (Leftovers.Registration pending = Leftovers.register(work);
             Tokenizer tok = Tokenizers.forModel(modelDir, null, dense.config().vocabSize())) {
            System.out.printf("1/4 pruning %s with %s, %.0f%% of all parameters%n", modelDir, method, 100 * target);
            // The demo calibrates on fewer windows than the presets (which apply to `lopper prune`) to stay quick.
            PruneOptions preset = PruneOptions.preset(method, target);
            PruneOptions options = preset.toBuilder().calibration(calibration.toString())
                    .calibrationSamples(Math.min(calibrationSamples, preset.calibrationSamples())).build();
            PruneJob.Outcome pruned = PruneJob.run(modelDir, dense, tok, options, data, progress);
            Path prunedDir = work.resolve("pruned-model");
            PrunedModelWriter.write(pruned.pruned(), tok, pruned.record(), prunedDir, false);
            PruneSummary summary = pruned.summary(options, dense.config());
            System.out.print(summary.console());
            System.out.println(ModelCard.loaderLine(pruned.pruned().config()));   // what loads pruned-model/

            System.out.printf("2/4 perplexity (%s windows of 128 tokens)%n", maxWindows > 0 ? "first " + maxWindows : "all");
            LlamaModel cut = pruned.pruned().materialized();     // evaluated many times: its layers cut once
            CausalLM a = CausalLM.of(dense), b = CausalLM.of(cut);
            List<Perplexity.Result> pa = new ArrayList<>(), pb = new ArrayList<>();
            for (TextCorpus c : corpora) {
                int[] ids = Perplexity.tokenize(tok, c);
                pa.add(Perplexity.evaluate(a, ids, c, 128, maxWindows, 8, Pass.plain(), progress));
                pb.add(Perplexity.evaluate(b, ids, c, 128, maxWindows, 8, Pass.plain(), progress));
                System.out.printf("   %-10s dense %8.2f   pruned %8.2f   (%s windows)%n", c.name(), pa.getLast().ppl(),
                        pb.getLast().ppl(), pa.getLast().row().coverage());
            }

            System.out.println("3/4 generation (greedy)");
            String prompt = "The history of the city";
            DemoReport.Sample sample = new DemoReport.Sample(prompt,
                    Completion.generate(a, tok, prompt, DemoReport.SAMPLE_TOKENS, Sampler.greedy(), null).completion(),
                    Completion.generate(b, tok, prompt, DemoReport.SAMPLE_TOKENS, Sampler.greedy(), null).completion());
            System.out.printf("   dense : %s%s%n   pruned: %s%s%n", prompt, DemoReport.oneLine(sample.dense()), prompt,
                    DemoReport.oneLine(sample.pruned()));

            System.out.println("4/4 speed (dense and pruned interleaved)");
            SpeedBench.Settings settings = new SpeedBench.Settings(4, 128, 64, runs, warmup, 1);
            List<SpeedBench.ModelSpeed> speed = SpeedBench.run(List.of("dense", "pruned"),
                    List.of(dense, cut), settings, progress);
            SpeedReport.Result bench = SpeedReport.Result.of(settings, speed, PeakMemory.read().bytes(),
                    dev.lopper.tensor.Parallel.threads());
            String benchTable = SpeedReport.table(bench);
            System.out.print(benchTable.indent(3));

            ModelReport ra = new ModelReport("dense", null, pa.stream().map(Perplexity.Result::row).toList());
            ModelReport rb = new ModelReport("pruned", null, pb.stream().map(Perplexity.Result::row).toList());
            Files.createDirectories(work);
            List<String> charts = new ArrayList<>(Charts.write(work, List.of(ra, rb)).stream()
                    .map(p -> p.getFileName().toString()).toList());
            Charts.speed(work.resolve(DemoReport.SPEED_CHART), speed);
            charts.add(DemoReport.SPEED_CHART);
            DemoReport report = new DemoReport(method.toString(), target, modelDir, summary,
                    DemoTexts.FOLDER + "/" + DemoTexts.C4, corpora, ra, rb, sample, benchTable, charts);
            AtomicFiles.writeString(work.resolve(MarkdownReport.FILE_NAME), report.render(ReportStamp.now()));
            DemoResult result = new DemoResult(modelDir.toString(), method.toString(), target, pruned.record(), pa, pb,
                    sample, bench, dir.resolve(MarkdownReport.FILE_NAME).toString());
            JsonOut.write(work.resolve("demo.json"), result);
            if (!work.equals(dir)) replace(work, dir);
            common.writeJson(result);
            System.out.println("report: " + dir.resolve(MarkdownReport.FILE_NAME).toAbsolutePath());
            done = true;
        } catch (java.io.IOException e) {
            throw new BadInputException(dir, "cannot write the report: " + e.getMessage());
        } finally {
            if (!done) Leftovers.deleteQuietly(work);
        }
    }

    /** Puts the finished report {@code ready} at {@code dir} (an old report, refused above unless it holds report.md). */
    private static void replace(Path ready, Path dir) throws java.io.IOException {
        Path old = AtomicFiles.sibling(dir, "old");
        AtomicFiles.move(dir, old);
        AtomicFiles.move(ready, dir);
        Leftovers.deleteTree(old);
    }

    /** The embedded model, found beside the launcher (LOPPER_HOME) or in the working directory. */
    private static Path embeddedModel() {
        Path p = DataDir.bundled(EMBEDDED_MODEL);
        if (!Files.isDirectory(p)) throw new BadInputException(p, "the embedded demo model is missing");
        return p;
    }
}
