package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.AllocationKind;
import dev.lopper.importance.CriterionKind;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.data.DataDir;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.pipeline.ReconstructJob;
import dev.lopper.recovery.Reconstruction;
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
        StageMeter meter = new StageMeter(dev.lopper.tensor.Gemm::flopsDone);
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
            System.out.print(r.summary(options, dense.config()).console());
            if (recovery != null) System.out.print(Reconstruction.summary(recovery.reconstruction()));
            if (req != null) {   // how often an llm/self operator fell back to ga (none for ga)
                String fellBack = dev.lopper.allocation.search.PromptedOperator.summary(req.options().operator().toString(),
                        r.search().result().counters());
                if (fellBack != null) System.out.println(fellBack);
            }
            System.out.println(dev.lopper.eval.ModelCard.loaderLine(r.pruned().config()));   // what loads --out
            System.out.println("wrote " + out);
            System.out.println(StageMeter.summary(meter.stages()));
            common.writeJson(new PruneResult(modelOptions.model.toString(), out.toString(), r.record(),
                    r.calibrationWindows(), r.calibrationLength(), meter.stages(), ProcessMemory.peakRss()));
        }
    }
}
