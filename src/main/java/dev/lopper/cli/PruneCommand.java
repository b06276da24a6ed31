package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.Modules;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.data.DataDir;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.surgery.PruningRecord;
import dev.lopper.util.OutputPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune attention groups and MLP channels and write the smaller model as an HF folder.",
                "The target is the fraction of ALL parameters removed (embeddings and LM head included).",
                "--method picks a preset (listed below); explicit options override what it fills in.",
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

    /** The pruning options, shared with demo. */
    static final class Choices {
        @Option(names = "--method", paramLabel = "PRESET", defaultValue = "custom",
                description = "Preset: llm-pruner, flap, wanda-sp or custom, described under Presets (default ${DEFAULT-VALUE}).")
        String method;

        @Option(names = "--target", paramLabel = "FRACTION", defaultValue = "0.2",
                description = "Fraction of all parameters to remove, in [0, 1) (default ${DEFAULT-VALUE}).")
        double target;

        @Option(names = "--criterion", paramLabel = "NAME", description = "random, l1, l2, wanda-sp, flap, taylor-vector, taylor-element (default: from --method).")
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

        @Option(names = "--seed", paramLabel = "N", description = "Seed for calibration windows and the random criterion (default: from --method: 0).")
        Long seed;

        @Option(names = "--bias-compensation", negatable = true, description = "FLAP's bias compensation (default: from --method).")
        Boolean bias;

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
            return PruneOptions.preset(method, target).with(criterion, secondOrder, allocation, rates,
                    modules == null ? null : Modules.parse(modules), start, end, allowEmpty, calibration, samples,
                    length, seed, bias);
        }
    }

    record PruneResult(String model, String out, PruningRecord record, int calibrationWindows, int calibrationLength) {}

    @Override
    public void run() {
        common.checkOutputs();
        PruneOptions options = choices.options();
        OutputPaths.checkApart(out, "--out", modelOptions.model, "--model");
        OutputPaths.checkApart(out, "--out", modelOptions.tokenizer, "--tokenizer");
        OutputPaths.checkFolder(out, "--out");
        if (java.nio.file.Files.exists(out) && !force)
            throw new BadInputException(out, "already exists; use --force to replace it");
        PruneJob.SearchRequest req = options.allocation().equals("search")
                ? new PruneJob.SearchRequest(search.options(), new SearchJob.Folder(searchOut != null ? searchOut
                        : out.resolveSibling(out.getFileName() + "-search"), false, force))
                : null;
        if (req != null) SearchJob.checkFirst(req.options(), req.folder());
        LlamaModel dense = modelOptions.loadModel();
        try (Tokenizer tok = modelOptions.loadTokenizer(dense)) {
            PruneJob.Outcome r = PruneJob.run(modelOptions.model, dense, tok, options, DataDir.resolve(common.data),
                    common.progress(), req);
            PrunedModelWriter.write(r.pruned(), tok, r.record(), out, force);
            printSummary(options, dense, r);
            System.out.println("wrote " + out);
            common.writeJson(new PruneResult(modelOptions.model.toString(), out.toString(), r.record(),
                    r.calibrationWindows(), r.calibrationLength()));
        }
    }

    static void printSummary(PruneOptions o, LlamaModel dense, PruneJob.Outcome r) {
        PruningRecord.Parameters p = r.record().parameters();
        System.out.printf("method %s: criterion %s, allocation %s, layers [%d, %d), modules %s%n", o.method(),
                r.record().options().criterion(), r.record().options().allocation(), r.target().range().start(),
                r.target().range().end(), o.modules().name().toLowerCase());
        if (r.calibrationWindows() > 0)
            System.out.printf("calibration: %d windows of %d tokens from %s%n", r.calibrationWindows(),
                    r.calibrationLength(), o.calibration());
        System.out.printf("parameters %,d -> %,d: %.2f%% of all parameters removed (target %.2f%%)%n", p.before(),
                p.after(), 100 * p.fractionRemoved(), 100 * o.target());
        System.out.println("layer  heads/kv  mlp_width");
        for (int l = 0; l < r.pruned().config().numLayers(); l++) {
            LayerShape a = dense.config().layer(l), b = r.pruned().config().layer(l);
            System.out.printf("  %2d   %2d/%-2d -> %2d/%-2d   %5d -> %5d%n", l, a.heads(), a.kvHeads(), b.heads(),
                    b.kvHeads(), a.intermediate(), b.intermediate());
        }
        System.out.printf("time %.1f s, peak memory %.0f MB%n", r.record().run().seconds(),
                r.record().run().peakMemoryBytes() / 1e6);
    }
}
