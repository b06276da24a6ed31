package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.AllocationKind;
import dev.lopper.importance.CriterionKind;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.data.DataDir;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.pipeline.ReconstructJob;
import dev.lopper.recovery.RecoveryRecord;
import dev.lopper.io.PruningRecord;
import dev.lopper.util.OutputPaths;
import dev.lopper.util.ProcessMemory;
import dev.lopper.util.StageMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        optionListHeading = "%nModel, output and general:%n",
        description = {"Prune attention groups and MLP channels and write the smaller model as an HF folder.",
                "The target is the fraction of ALL parameters removed (embeddings and LM head included).",
                "--method picks a preset (listed below); explicit options override what it fills in.",
                "HyWIA (--criterion hywia; --method hywia = LLM-Pruner's calibration + the learned fusion): "
                        + "fine and coarse Taylor importance blended per (layer, module); the HyWIA options configure it.",
                "Example: lopper prune --model DIR --method llm-pruner --target 0.2 --out pruned/"})
final class PruneCommand implements Runnable {
    @Mixin ModelOptions modelOptions;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the pruned model.")
    Path out;

    @Option(names = "--report", paramLabel = "DIR",
            description = "HyWIA: write α per layer and module (JSON, PNG heat map), the fusion's learning curve "
                    + "(PNG) and, per layer, the groups the fused ranking keeps that fine-only or coarse-only would remove (default: none).")
    Path report;

    @Option(names = "--search-out", paramLabel = "DIR",
            description = "With --allocation search: the search's run folder (default: OUT-search beside --out).")
    Path searchOut;

    @Mixin CommonOptions common;
    @Mixin PruneChoices choices;

    @Mixin SearchChoices search;

    @Mixin ReconstructOptions reconstruct;

    /** {@code stages}: wall time, bytes read from storage and resident memory per stage (load ... write). */
    record PruneResult(String model, String out, PruningRecord record, int calibrationWindows, int calibrationLength,
                       List<StageMeter.Stage> stages, long peakRssBytes) {}

    @Override
    public void run() {
        PruneOptions options = choices.options();
        if (report != null && options.criterion() != CriterionKind.HYWIA)
            throw new BadInputException("--report is an option of HyWIA (--criterion hywia or --method hywia), "
                    + "not of criterion " + options.criterion());
        PruneJob.SearchRequest req = options.allocation() == AllocationKind.SEARCH
                ? new PruneJob.SearchRequest(search.options(), new SearchJob.Folder(searchOut != null ? searchOut
                        : out.resolveSibling(out.getFileName() + "-search"), false, common.force))
                : null;
        search.inputsTo(choices.inputsTo(modelOptions.inputsTo(common.outputs())))
                .folder(out, "--out", "config.json")
                .folder(report, "--report", dev.lopper.eval.HywiaReport.JSON)
                .folder(req == null ? null : req.folder().dir(), "--search-out", dev.lopper.allocation.search.RunFolder.RUN)
                .check();
        if (req != null) SearchJob.checkFirst(req.options(), req.folder());
        ReconstructJob.Request refit = reconstruct.request(options.calibration(), options.calibrationSamples(),
                options.calibrationLength(), options.seed());
        StageMeter meter = new StageMeter();
        LlamaModel dense = modelOptions.loadModel();
        try (Tokenizer tok = modelOptions.loadTokenizer(dense)) {
            meter.end("load");
            PruneJob.Outcome r = PruneJob.run(modelOptions.model, dense, tok, options, DataDir.resolve(common.data),
                    common.progress(), req, meter);
            RecoveryRecord recovery = null;
            if (refit != null) {
                ReconstructJob.Outcome rec = ReconstructJob.run(modelOptions.model, dense, null, r.pruned(), r.plan(),
                        tok, refit, DataDir.resolve(common.data), common.progress());
                r = r.withPruned(rec.model());
                recovery = rec.record();
                meter.end("reconstruction");
            }
            PrunedModelWriter.write(r.pruned(), tok, r.record(), recovery, out, common.force);
            meter.end("surgery and writing");
            if (report != null) dev.lopper.eval.HywiaReport.write(report, r.hywia(), r.record().fusion());
            printSummary(options, dense, r);
            if (recovery != null) RecoverCommand.printReconstruction(recovery);
            if (req != null) {   // how often an llm/self operator fell back to ga (none for ga)
                String fellBack = dev.lopper.allocation.search.PromptedOperator.summary(req.options().operator().toString(),
                        r.search().result().counters());
                if (fellBack != null) System.out.println(fellBack);
            }
            System.out.println(dev.lopper.pipeline.ModelCard.loaderLine(r.pruned().config()));   // what loads --out
            System.out.println("wrote " + out);
            System.out.println(StageMeter.summary(meter.stages()));
            common.writeJson(new PruneResult(modelOptions.model.toString(), out.toString(), r.record(),
                    r.calibrationWindows(), r.calibrationLength(), meter.stages(), ProcessMemory.peakRss()));
        }
    }

    private static void printFusion(PruneJob.Outcome r) {
        PruningRecord.Fusion f = r.record().fusion();
        System.out.printf("hywia fusion %s, %s-normalised", f.mode(), f.normalisation());
        if (f.loss() != null) {
            System.out.printf(", %d Adam steps%n", f.steps());
            // The soft loss is not the criterion: its masks sharpen as the temperature falls, so it rises
            // towards the hard cut's loss. The hard-mask check on the fusion windows decides which step is kept.
            System.out.printf("  soft-mask loss %.4f at the first step -> %.4f at the last (temperature %.3g -> %.3g: "
                            + "the masks harden, so a rising soft loss is expected; it does not decide)%n", f.loss()[0],
                    f.loss()[f.loss().length - 1], f.startTemperature(), f.endTemperature());
            System.out.printf("  hard-mask loss on the fusion windows (the check that decides) %.4f at the start -> "
                    + "%.4f with the parameters of step %d, which are kept", f.hardLossBefore(), f.hardLossAfter(),
                    f.bestStep());
        }
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
    }
}
