package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.AllocationKind;
import dev.lopper.allocation.search.Evolution;
import dev.lopper.allocation.search.RunFolder;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.data.DataDir;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.pipeline.PruneJob;
import dev.lopper.pipeline.PruneOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        optionListHeading = "%nModel, output and general:%n",
        description = {"Search per-layer pruning rates with an evolutionary search (Self-Pruner, Lopper's design).",
                "Its operators are classic (ga), a chat model behind an OpenAI-compatible endpoint (llm) or the model itself (self).",
                "Candidates are scored by masking the dense model (fitness ppl or kl on calibration text).",
                "Writes RUN_DIR/best-rates.json, which `lopper prune --allocation file --rates` reads; "
                        + "`lopper prune --allocation search` searches and prunes in one run.",
                "Example: lopper search --model DIR --target 0.3 --operator ga --out run/"})
final class SearchCommand implements Runnable {
    @Mixin ModelOptions modelOptions;

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "New run folder (no default: --out or --resume is needed).")
    Path out;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue an interrupted run in RUN_DIR (same settings) (default: start a new run in --out).")
    Path resume;

    @Option(names = "--cluster", paramLabel = "HOST:PORT", arity = "0..1", fallbackValue = "127.0.0.1:5701",
            description = "Evaluate on workers (lopper worker --join HOST:PORT) that join here; off loopback set "
                    + "LOPPER_CLUSTER_SECRET on every side. See docs/cluster.md (default: evaluate in this process; "
                    + "without a value: ${FALLBACK-VALUE}).")
    String cluster;

    @Mixin CommonOptions common;
    @Mixin TargetChoices choices;

    @Mixin SearchChoices search;

    record SearchResult(String runDir, double[] bestRates, double bestFitness, Map<String, Double> seeds,
                        long evaluations, long tokensPerEvaluation, double seconds, Map<String, Long> counters) {}

    @Override
    public void run() {
        if ((out == null) == (resume == null)) throw new BadInputException("give either --out RUN_DIR or --resume RUN_DIR");
        PruneOptions options = choices.builder().allocation(AllocationKind.SEARCH).build();
        search.inputsTo(choices.inputsTo(modelOptions.inputsTo(common.outputs())))
                .folder(out, "--out", RunFolder.RUN)
                .output(resume, "--resume", dev.lopper.util.OutputPaths.Kind.EXISTING_FOLDER, null)
                .check();
        SearchJob.Folder folder = new SearchJob.Folder(out != null ? out : resume, resume != null, common.force);
        PruneJob.SearchRequest req = new PruneJob.SearchRequest(search.options(), folder, Clusters.remote(cluster));
        SearchJob.checkFirst(req.options(), folder);
        LlamaModel dense = modelOptions.loadModel();
        try (Tokenizer tok = modelOptions.loadTokenizer(dense)) {
            PruneJob.Outcome r = PruneJob.run(modelOptions.model, dense, tok, options, DataDir.resolve(common.data),
                    common.progress(), req);
            Evolution.Result s = r.search().result();
            System.out.print(r.summary(options, dense.config()).console());
            long tokens = (long) req.options().fitnessWindows()
                    * Math.min(req.options().fitnessLength(), dense.config().maxPositions());
            System.out.printf("search: %d generations, %d fitness evaluations (%d tokens at full fidelity), %.1f s%n",
                    s.generations(), s.evaluations(), tokens, s.seconds());
            System.out.printf("best %s %.6g; %s%n", req.options().fitness().name().toLowerCase(), s.best().fitness(),
                    seedsLine(s));
            if (!s.counters().isEmpty()) System.out.println("counters: " + s.counters());
            String fellBack = dev.lopper.allocation.search.PromptedOperator.summary(req.options().operator().toString(), s.counters());
            if (fellBack != null) System.out.println(fellBack);
            System.out.println("best rates: " + Arrays.toString(s.best().rates()));
            System.out.println("wrote " + folder.dir().resolve(RunFolder.BEST_RATES));
            Map<String, Double> seeds = new java.util.LinkedHashMap<>();
            s.seeds().forEach((k, v) -> seeds.put(k, v.fitness()));
            common.writeJson(new SearchResult(folder.dir().toString(), s.best().rates(), s.best().fitness(), seeds,
                    s.evaluations(), tokens, s.seconds(),
                    s.counters()));
        }
    }

    static String seedsLine(Evolution.Result s) {
        StringBuilder b = new StringBuilder();
        s.seeds().forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ')
                .append(String.format("%.6g", v.fitness())));
        return b.toString();
    }
}
