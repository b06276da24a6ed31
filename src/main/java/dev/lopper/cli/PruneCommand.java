package dev.lopper.cli;

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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune attention groups and MLP channels and write the smaller model as an HF folder.",
                "The target is the fraction of ALL parameters removed (embeddings and LM head included).",
                "Presets: --method llm-pruner | flap | wanda-sp | custom; explicit options override a preset.",
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

    @Option(names = "--force", description = "Replace --out if it exists.")
    boolean force;

    /** The pruning options, shared with demo. */
    static final class Choices {
        @Option(names = "--method", defaultValue = "custom",
                description = "llm-pruner, flap, wanda-sp or custom (default ${DEFAULT-VALUE}).")
        String method;

        @Option(names = "--target", defaultValue = "0.2", description = "Fraction of all parameters to remove, in [0, 1).")
        double target;

        @Option(names = "--criterion", description = "random, l1, l2, wanda-sp, flap, taylor-vector, taylor-element.")
        String criterion;

        @Option(names = "--second-order", description = "Taylor with the Fisher term (LLM-Pruner 'param_mix').")
        Boolean secondOrder;

        @Option(names = "--allocation", description = "uniform, owl, flap-global, file (with --rates), or search (lopper search's options).")
        String allocation;

        @Option(names = "--rates", paramLabel = "FILE", description = "Per-layer rates: a JSON array or one per line.")
        Path rates;

        @Option(names = "--modules", description = "attention, mlp or both.")
        String modules;

        @Option(names = "--layers", paramLabel = "START:END",
                description = "Prunable layers [START, END); END may be negative (n+END), e.g. 4:-2 for LLM-Pruner.")
        String layers;

        @Option(names = "--allow-empty-layers", description = "Let a layer lose all its heads or all its channels.")
        Boolean allowEmpty;

        @Option(names = "--calib", paramLabel = "FILE|NAME", description = "Calibration text (default c4).")
        String calibration;

        @Option(names = "--calib-samples", description = "Calibration windows.")
        Integer samples;

        @Option(names = "--calib-len", description = "Tokens per calibration window (clamped to the model's context).")
        Integer length;

        @Option(names = "--seed", description = "Seed for calibration windows and the random criterion.")
        Long seed;

        @Option(names = "--bias-compensation", negatable = true, description = "FLAP's bias compensation.")
        Boolean bias;

        PruneOptions options() {
            Integer start = null, end = null;
            if (layers != null) {
                String[] p = layers.split(":");
                if (p.length != 2) throw new IllegalArgumentException("--layers must be START:END, got " + layers);
                try {
                    start = Integer.parseInt(p[0].trim());
                    end = Integer.parseInt(p[1].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--layers must be START:END with integers, got " + layers);
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
        PruneOptions options = choices.options();
        LlamaModel dense = modelOptions.loadModel();
        if (java.nio.file.Files.exists(out) && !force)
            throw new IllegalArgumentException(out + " already exists; use --force to replace it");
        try (Tokenizer tok = modelOptions.loadTokenizer()) {
            PruneJob.SearchRequest req = options.allocation().equals("search")
                    ? new PruneJob.SearchRequest(search.options(), new SearchJob.Folder(searchOut != null ? searchOut
                            : out.resolveSibling(out.getFileName() + "-search"), false, force))
                    : null;
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
