package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.Modules;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.importance.FusionOptions;
import dev.lopper.data.DataDir;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.surgery.PruningRecord;
import dev.lopper.util.OutputPaths;
import dev.lopper.util.ProcessMemory;
import dev.lopper.util.StageMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune attention groups and MLP channels and write the smaller model as an HF folder.",
                "The target is the fraction of ALL parameters removed (embeddings and LM head included).",
                "--method picks a preset (listed below); explicit options override what it fills in.",
                "HyWIA (--criterion hywia; --method hywia = LLM-Pruner's calibration + the learned fusion):",
                "fine and coarse Taylor importance blended per (layer, module); --fusion* options configure it.",
                "Example: lopper prune --model DIR --method llm-pruner --target 0.2 --out pruned/"})
final class PruneCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;
    @Mixin Choices choices;
    @Mixin SearchChoices search;

    @Option(names = "--search-out", paramLabel = "RUN_DIR",
            description = "With --allocation search: the search's run folder (default: OUT-search beside --out).")
    Path searchOut;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the pruned model.")
    Path out;

    @Option(names = "--force", description = "Replace --out if it exists (default: off; never when --out is or holds --model).")
    boolean force;

    @Option(names = "--report", paramLabel = "DIR",
            description = "HyWIA: write α per layer and module (JSON, PNG heat map), the fusion's learning curve "
                    + "(PNG) and, per layer, the groups the fused ranking keeps that fine-only or coarse-only would remove (default: none).")
    Path report;

    /** The pruning options, shared with demo. */
    static final class Choices {
        @Option(names = "--method", paramLabel = "PRESET", defaultValue = "custom",
                description = "Preset: llm-pruner, hywia, flap, wanda-sp or custom, described under Presets (default ${DEFAULT-VALUE}).")
        String method;

        @Option(names = "--target", paramLabel = "FRACTION", defaultValue = "0.2",
                description = "Fraction of all parameters to remove, in [0, 1) (default ${DEFAULT-VALUE}).")
        double target;

        @Option(names = "--criterion", paramLabel = "NAME", description = "random, l1, l2, wanda-sp, flap, taylor-vector, taylor-element, hywia (default: from --method).")
        String criterion;

        @Option(names = "--second-order", description = "Taylor with the Fisher term (LLM-Pruner 'param_mix') (default: off).")
        Boolean secondOrder;

        @Option(names = "--allocation", paramLabel = "NAME", description = "uniform, owl, flap-global, file (with --rates), or search (lopper search's options) (default: from --method).")
        String allocation;

        @Option(names = "--rates", paramLabel = "FILE", description = "Per-layer rates for --allocation file: a JSON array or one per line (default: none).")
        Path rates;

        @Option(names = "--modules", paramLabel = "WHICH", description = "attention, mlp or both (default: from --method).")
        String modules;

        @Option(names = "--layers", paramLabel = "START:END",
                description = "Prunable layers [START, END); END may be negative (n+END), e.g. 4:-2; 0:0 = all (default: from --method).")
        String layers;

        @Option(names = "--allow-empty-layers", description = "Let a layer lose all its heads or all its channels (default: off).")
        Boolean allowEmpty;

        @Option(names = "--calib", paramLabel = "FILE|NAME", description = "Calibration text: a file or a corpus name (default: from --method).")
        String calibration;

        @Option(names = "--calib-windows", paramLabel = "N", description = "Calibration windows (default: from --method).")
        Integer samples;

        /** The old name of --calib-windows, kept working but not shown. */
        @Option(names = "--calib-samples", hidden = true, paramLabel = "N")
        void calibSamples(int n) {
            samples = n;
        }

        @Option(names = "--calib-len", paramLabel = "TOKENS",
                description = "Tokens per calibration window, clamped to the model's context (default: from --method).")
        Integer length;

        @Option(names = "--seed", paramLabel = "N", description = "Seed for calibration windows, the random criterion and HyWIA's fusion (its start and fusion windows) (default: from --method: 0).")
        Long seed;

        @Option(names = "--bias-compensation", negatable = true, description = "FLAP's bias compensation (default: from --method).")
        Boolean bias;

        @Option(names = "--round-to", paramLabel = "N", defaultValue = "0",
                description = "Keep every pruned layer's MLP width a multiple of N (e.g. 32 for llama.cpp's Q8_0, 64 or 128 for GEMM tiles), meeting the target as closely as rounding allows (default 0: widths as allocated).")
        int roundTo;

        @Option(names = "--fusion", paramLabel = "learned|fine|coarse|fixed:A",
                description = "HyWIA's blend: learned (default), fine only, coarse only, or fixed:A with A in [0, 1] "
                        + "the weight of the fine score.")
        String fusion;

        @Option(names = "--fusion-norm", paramLabel = "mean|rank",
                description = "HyWIA: normalise fine and coarse scores within each (layer, module) by their mean, "
                        + "or by rank (default mean).")
        String fusionNorm;

        @Option(names = "--fusion-steps", paramLabel = "N",
                description = "HyWIA: Adam steps of the learned fusion (default " + FusionOptions.DEFAULT_STEPS + ").")
        Integer fusionSteps;

        @Option(names = "--fusion-lr", paramLabel = "LR",
                description = "HyWIA: Adam step size of the learned fusion (default " + FusionOptions.DEFAULT_LR + ").")
        Double fusionLr;

        @Option(names = "--fusion-samples", paramLabel = "N",
                description = "HyWIA: fusion windows, disjoint from the gradient windows (default "
                        + FusionOptions.DEFAULT_SAMPLES + ").")
        Integer fusionSamples;

        @Option(names = "--fusion-len", paramLabel = "N",
                description = "HyWIA: tokens per fusion window (default " + FusionOptions.DEFAULT_LENGTH + ").")
        Integer fusionLength;

        @Option(names = "--fusion-temperature", paramLabel = "T0:T1",
                description = "HyWIA: soft-mask temperature, annealed geometrically from T0 to T1 over the steps "
                        + "(default " + FusionOptions.DEFAULT_T0 + ":" + FusionOptions.DEFAULT_T1 + ").")
        String fusionTemperature;

        PruneOptions options() {
            if (samples != null && samples < 1) throw new BadInputException("--calib-windows must be at least 1");
            if (length != null && length < 2) throw new BadInputException("--calib-len must be at least 2 tokens");
            Integer start = null, end = null;
            if (layers != null) {
                String[] p = layers.split(":");
                if (p.length != 2) throw new BadInputException("--layers must be START:END, got " + layers);
                try {
                    start = Integer.parseInt(p[0].trim());
                    end = Integer.parseInt(p[1].trim());
                } catch (NumberFormatException e) {
                    throw new BadInputException("--layers must be START:END with integers, got " + layers);
                }
            }
            PruneOptions o = PruneOptions.preset(method, target).with(criterion, secondOrder, allocation, rates,
                    modules == null ? null : Modules.parse(modules), start, end, allowEmpty, calibration, samples,
                    length, seed, bias).withRoundTo(roundTo);
            String given = givenFusionOption();
            if (given != null && !"hywia".equals(o.criterion()))
                throw new BadInputException(given + " is an option of HyWIA (--criterion hywia or --method hywia), "
                        + "not of criterion " + o.criterion());
            if (given == null) return o;
            Double t0 = null, t1 = null;
            if (fusionTemperature != null) {
                String[] p = fusionTemperature.split(":");
                try {
                    if (p.length != 2) throw new NumberFormatException();
                    t0 = Double.parseDouble(p[0].trim());
                    t1 = Double.parseDouble(p[1].trim());
                } catch (NumberFormatException e) {
                    throw new BadInputException("--fusion-temperature must be T0:T1 with two numbers, not '"
                            + fusionTemperature + "'");
                }
            }
            FusionOptions f = o.fusion();
            if (fusion != null) f = f.withMode(fusion);
            f = f.with(fusionNorm == null ? null : FusionOptions.Normalisation.parse(fusionNorm), fusionSteps, fusionLr,
                    fusionSamples, fusionLength, t0, t1);
            return o.withFusion(f);
        }

        /** The first HyWIA-only option given, or null. */
        String givenFusionOption() {
            if (fusion != null) return "--fusion";
            if (fusionNorm != null) return "--fusion-norm";
            if (fusionSteps != null) return "--fusion-steps";
            if (fusionLr != null) return "--fusion-lr";
            if (fusionSamples != null) return "--fusion-samples";
            if (fusionLength != null) return "--fusion-len";
            if (fusionTemperature != null) return "--fusion-temperature";
            return null;
        }
    }

    /** {@code stages}: wall time, bytes read from storage and resident memory per stage (load ... write). */
    record PruneResult(String model, String out, PruningRecord record, int calibrationWindows, int calibrationLength,
                       List<StageMeter.Stage> stages, long peakRssBytes) {}

    @Override
    public void run() {
        common.checkOutputs();
        PruneOptions options = choices.options();
        if (report != null && !"hywia".equals(options.criterion()))
            throw new BadInputException("--report is an option of HyWIA (--criterion hywia or --method hywia), "
                    + "not of criterion " + options.criterion());
        OutputPaths.checkApart(out, "--out", modelOptions.model, "--model");
        OutputPaths.checkApart(out, "--out", modelOptions.tokenizer, "--tokenizer");
        OutputPaths.checkFolder(out, "--out");
        if (report != null) {
            OutputPaths.checkApart(report, "--report", modelOptions.model, "--model");
            OutputPaths.checkFolder(report, "--report");
        }
        if (java.nio.file.Files.exists(out) && !force)
            throw new BadInputException(out, "already exists; use --force to replace it");
        PruneJob.SearchRequest req = options.allocation().equals("search")
                ? new PruneJob.SearchRequest(search.options(), new SearchJob.Folder(searchOut != null ? searchOut
                        : out.resolveSibling(out.getFileName() + "-search"), false, force))
                : null;
        if (req != null) SearchJob.checkFirst(req.options(), req.folder());
        StageMeter meter = new StageMeter();
        LlamaModel dense = modelOptions.loadModel();
        try (Tokenizer tok = modelOptions.loadTokenizer(dense)) {
            meter.end("load");
            PruneJob.Outcome r = PruneJob.run(modelOptions.model, dense, tok, options, DataDir.resolve(common.data),
                    common.progress(), req, meter);
            PrunedModelWriter.write(r.pruned(), tok, r.record(), out, force);
            meter.end("surgery and writing");
            if (report != null) dev.lopper.eval.HywiaReport.write(report, r.hywia(), r.record().fusion());
            printSummary(options, dense, r);
            System.out.println("wrote " + out);
            System.out.println(StageMeter.summary(meter.stages()));
            common.writeJson(new PruneResult(modelOptions.model.toString(), out.toString(), r.record(),
                    r.calibrationWindows(), r.calibrationLength(), meter.stages(), ProcessMemory.peakRss()));
        }
    }

    private static void printFusion(PruneJob.Outcome r) {
        PruningRecord.Fusion f = r.record().fusion();
        System.out.printf("hywia fusion %s, %s-normalised", f.mode(), f.normalisation());
        if (f.loss() != null)
            System.out.printf(": %d steps, soft-mask loss %.4f -> %.4f, hard-mask loss on the fusion windows %.4f -> "
                            + "%.4f (parameters of step %d kept)", f.steps(), f.loss()[0], f.loss()[f.loss().length - 1],
                    f.hardLossBefore(), f.hardLossAfter(), f.bestStep());
        System.out.println();
        System.out.println("layer  alpha_fine(attention)  alpha_fine(mlp)");
        java.util.Map<Integer, double[]> byLayer = new java.util.TreeMap<>();
        for (PruningRecord.Alpha a : f.alpha()) {
            double[] row = byLayer.computeIfAbsent(a.layer(), k -> new double[]{Double.NaN, Double.NaN});
            row["attention".equals(a.module()) ? 0 : 1] = a.fine();
        }
        // A module left out by --modules has no α: "-" rather than NaN.
        byLayer.forEach((l, row) -> System.out.printf("  %2d   %8s   %8s%n", l, alphaCell(row[0]), alphaCell(row[1])));
    }

    private static String alphaCell(double a) {
        return Double.isNaN(a) ? "-" : String.format("%.3f", a);
    }

    static void printSummary(PruneOptions o, LlamaModel dense, PruneJob.Outcome r) {
        PruningRecord.Parameters p = r.record().parameters();
        String why = o.layers().explain(dense.config().numLayers());
        System.out.printf("method %s: criterion %s, allocation %s, layers [%d, %d)%s, modules %s%s%n", o.method(),
                r.record().options().criterion(), r.record().options().allocation(), r.target().range().start(),
                r.target().range().end(), why.isEmpty() ? "" : " (" + why + ")", o.modules().name().toLowerCase(),
                o.roundTo() > 0 ? ", round-to " + o.roundTo() : "");
        if (r.calibrationWindows() > 0)
            System.out.printf("calibration: %d windows of %d tokens from %s%n", r.calibrationWindows(),
                    r.calibrationLength(), o.calibration());
        System.out.printf("parameters %,d -> %,d: %.2f%% of all parameters removed (target %.2f%%)%n", p.before(),
                p.after(), 100 * p.fractionRemoved(), 100 * o.target());
        if (r.rounding() != null) {
            System.out.printf("MLP widths rounded to multiples of %d: %.2f%% removed instead of %.2f%% as allocated (%+.2f points)%n",
                    r.rounding().multiple(), 100 * r.rounding().roundedFraction(), 100 * r.rounding().allocatedFraction(),
                    100 * (r.rounding().roundedFraction() - r.rounding().allocatedFraction()));
            if (!r.rounding().layersNotMultiple().isEmpty())
                System.out.printf("  layers outside the pruned range keep widths that are not multiples of %d: %s%n",
                        r.rounding().multiple(), r.rounding().layersNotMultiple());
        }
        System.out.println("layer  heads/kv  mlp_width");
        for (int l = 0; l < r.pruned().config().numLayers(); l++) {
            LayerShape a = dense.config().layer(l), b = r.pruned().config().layer(l);
            System.out.printf("  %2d   %2d/%-2d -> %2d/%-2d   %5d -> %5d%n", l, a.heads(), a.kvHeads(), b.heads(),
                    b.kvHeads(), a.intermediate(), b.intermediate());
        }
        if (r.hywia() != null) printFusion(r);
        System.out.printf("time %.1f s, peak memory %.0f MB%n", r.record().run().seconds(),
                r.record().run().peakMemoryBytes() / 1e6);
        System.out.println(dev.lopper.pipeline.ModelCard.loaderLine(r.pruned().config()));
    }
}
