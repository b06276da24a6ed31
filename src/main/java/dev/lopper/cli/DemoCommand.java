package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.data.DataDir;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.Charts;
import dev.lopper.eval.MarkdownReport;
import dev.lopper.eval.ModelReport;
import dev.lopper.eval.Perplexity;
import dev.lopper.eval.PerplexityRow;
import dev.lopper.eval.SpeedBench;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Sampler;
import dev.lopper.model.Transformer;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.surgery.PeakMemory;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Lopper's main job on the embedded model: prune it, then compare dense and pruned",
                "(perplexity, a generated sample from each, parameters, speed) and write a report folder."})
final class DemoCommand implements Runnable {
    static final String EMBEDDED_MODEL = "models/tiny-llama-gqa-8m";

    @Option(names = "--model", paramLabel = "DIR", description = "Model to prune (default: the embedded " + EMBEDDED_MODEL + ").")
    Path model;

    @Option(names = "--method", paramLabel = "PRESET", defaultValue = "wanda-sp",
            description = "Pruning method (default ${DEFAULT-VALUE}: the best on this model in the README table).")
    String method;

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

    @Mixin CommonOptions common;

    record Sample(String prompt, String dense, String pruned) {}

    record DemoResult(String model, String method, double target, dev.lopper.surgery.PruningRecord pruning,
                      List<Perplexity.Result> densePerplexity, List<Perplexity.Result> prunedPerplexity,
                      Sample sample, List<SpeedBench.ModelSpeed> speed, String report) {}

    @Override
    public void run() {
        Path modelDir = model != null ? model : embeddedModel();
        Path dir = out != null ? out : Path.of("reports", "demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        common.checkOutputs();
        if (maxWindows < 0) throw new BadInputException("--max-windows must be >= 0");
        if (Files.exists(dir)) throw new BadInputException(dir, "already exists; choose another --report");
        dev.lopper.util.OutputPaths.checkFolder(dir, "--report");
        Path data = DataDir.resolve(common.data);
        List<TextCorpus> corpora = List.of(TextCorpus.resolve("wikitext2", data), TextCorpus.resolve("ptb", data));
        var progress = common.progress();

        LlamaModel dense = Checkpoints.load(modelDir);
        // The report folder is new (refused above if it exists): deleted again if the demo fails or is stopped.
        boolean done = false;
        try (Leftovers.Registration pending = Leftovers.register(dir);
             Tokenizer tok = Tokenizers.forModel(modelDir, null, dense.config().vocabSize())) {
            System.out.printf("1/4 pruning %s with %s, %.0f%% of all parameters%n", modelDir, method, 100 * target);
            // The demo calibrates on 128 windows (the presets' own counts apply to `lopper prune`) to stay under two minutes.
            PruneOptions options = PruneOptions.preset(method, target).with(null, null, null, null, null, null, null,
                    null, null, Math.min(128, PruneOptions.preset(method, target).calibrationSamples()), null, null, null);
            PruneJob.Outcome pruned = PruneJob.run(modelDir, dense, tok, options, data, progress);
            Path prunedDir = dir.resolve("pruned-model");
            PrunedModelWriter.write(pruned.pruned(), tok, pruned.record(), prunedDir, false);
            PruneCommand.printSummary(options, dense, pruned);

            System.out.printf("2/4 perplexity (first %d windows of 128 tokens)%n", maxWindows);
            Transformer a = new Transformer(dense), b = new Transformer(pruned.pruned());
            List<Perplexity.Result> pa = new ArrayList<>(), pb = new ArrayList<>();
            for (TextCorpus c : corpora) {
                int[] ids = Perplexity.tokenize(tok, c);
                pa.add(Perplexity.evaluate(a, ids, c, 128, maxWindows, 8, null, progress));
                pb.add(Perplexity.evaluate(b, ids, c, 128, maxWindows, 8, null, progress));
                System.out.printf("   %-10s dense %8.2f   pruned %8.2f%n", c.name(), pa.getLast().ppl(), pb.getLast().ppl());
            }

            System.out.println("3/4 generation (greedy)");
            String prompt = "The history of the city";
            String ga = GenerateCommand.generate(a, tok, prompt, 40, Sampler.greedy(), false).completion();
            String gb = GenerateCommand.generate(b, tok, prompt, 40, Sampler.greedy(), false).completion();
            System.out.printf("   dense : %s%s%n   pruned: %s%s%n", prompt, oneLine(ga), prompt, oneLine(gb));

            System.out.println("4/4 speed (dense and pruned interleaved)");
            SpeedBench.Settings settings = new SpeedBench.Settings(4, 128, 32, 3, 3, 1);
            List<SpeedBench.ModelSpeed> speed = SpeedBench.run(List.of("dense", "pruned"),
                    List.of(dense, pruned.pruned()), settings, progress);
            BenchCommand.BenchResult bench = new BenchCommand.BenchResult(settings, speed,
                    BenchCommand.Ratio.of(speed), PeakMemory.read().bytes(), dev.lopper.tensor.Parallel.threads());
            String benchTable = BenchCommand.table(bench);
            System.out.print(benchTable.indent(3));

            List<ModelReport> reports = List.of(
                    new ModelReport("dense", null, rows(pa)), new ModelReport("pruned (" + method + ")", null, rows(pb)));
            String md = "# Lopper demo: " + method + " at " + Math.round(100 * target) + "% of all parameters\n\n"
                    + String.format("Model `%s`: %,d → %,d parameters (%.2f%% removed). Pruned model: `pruned-model/`.%n%n",
                    modelDir, pruned.record().parameters().before(), pruned.record().parameters().after(),
                    100 * pruned.record().parameters().fractionRemoved())
                    + MarkdownReport.render(reports).replaceFirst("^# ", "## ")
                    + "\n## Greedy generation (40 tokens)\n\n- dense: **" + prompt + "**" + oneLine(ga)
                    + "\n- pruned: **" + prompt + "**" + oneLine(gb) + "\n\n## Speed\n\n" + benchTable + "\n";
            Files.createDirectories(dir);
            AtomicFiles.writeString(dir.resolve(MarkdownReport.FILE_NAME), md);
            Charts.write(dir, reports);
            Map<String, List<Double>> series = new LinkedHashMap<>();
            for (SpeedBench.ModelSpeed m : speed)
                series.put(m.label(), List.of(m.prefillTokensPerSecond().median(), m.decodeTokensPerSecond().median()));
            Charts.bars(dir.resolve("speed.png"), "Inference speed", "tokens / s", List.of("prefill", "decode"), series);
            DemoResult result = new DemoResult(modelDir.toString(), method, target, pruned.record(), pa, pb,
                    new Sample(prompt, ga, gb), speed, dir.resolve(MarkdownReport.FILE_NAME).toString());
            JsonOut.write(dir.resolve("demo.json"), result);
            common.writeJson(result);
            System.out.println("report: " + dir.resolve(MarkdownReport.FILE_NAME).toAbsolutePath());
            done = true;
        } catch (java.io.IOException e) {
            throw new BadInputException(dir, "cannot write the report: " + e.getMessage());
        } finally {
            if (!done) Leftovers.deleteQuietly(dir);
        }
    }

    private static List<PerplexityRow> rows(List<Perplexity.Result> rs) {
        return rs.stream().map(r -> new PerplexityRow(r.dataset(), r.seq(), r.ppl())).toList();
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    /** The embedded model, found beside the launcher (LOPPER_HOME) or in the working directory. */
    private static Path embeddedModel() {
        String home = System.getenv("LOPPER_HOME");
        Path p = home != null ? Path.of(home).resolve(EMBEDDED_MODEL) : Path.of(EMBEDDED_MODEL);
        if (!Files.isDirectory(p)) throw new BadInputException(p, "the embedded demo model is missing");
        return p;
    }
}
