package dev.lopper.pipeline;

import dev.lopper.BadInputException;
import dev.lopper.allocation.Allocator;
import dev.lopper.allocation.FixedRatesAllocator;
import dev.lopper.allocation.OwlAllocator;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.allocation.search.SearchOptions;
import dev.lopper.calib.CalibrationTokens;
import dev.lopper.calib.Statistic;
import dev.lopper.data.TextCorpus;
import dev.lopper.importance.Scores;
import dev.lopper.importance.ScoringContext;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.util.Sha256;
import dev.lopper.util.ProgressListener;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Wires {@code --allocation search} into a pruning run: fitness text, OWL seed, identity of the run. */
final class SearchRuns {
    /** Corpora that are test splits: fitness never reads them. */
    private static final List<String> TEST_SPLITS = List.of("wikitext2", "ptb", "tinystories");

    private SearchRuns() {}

    /**
     * {@code --allocation search} as an allocator: it reads the calibration activations (the OWL rates
     * that seed the search) and the criterion's scores (the masked fitness's ranking) when it
     * allocates, runs the search, and applies its best rates as {@code --allocation file} would.
     */
    static final class Allocation implements Allocator {
        private final Path modelPath;
        private final LlamaModel dense;
        private final Tokenizer tok;
        private final PruneOptions o;
        private final Path dataDir;
        private final ScoringContext context;
        private final Supplier<Scores> scores;
        private final PruneJob.SearchRequest request;
        private final ProgressListener progress;
        private SearchJob.Outcome outcome;

        Allocation(Path modelPath, LlamaModel dense, Tokenizer tok, PruneOptions o, Path dataDir, ScoringContext context,
                   Supplier<Scores> scores, PruneJob.SearchRequest request, ProgressListener progress) {
            this.modelPath = modelPath;
            this.dense = dense;
            this.tok = tok;
            this.o = o;
            this.dataDir = dataDir;
            this.context = context;
            this.scores = scores;
            this.request = request;
            this.progress = progress;
        }

        @Override public String name() { return "search"; }

        @Override public Set<Statistic> needs() { return EnumSet.of(Statistic.ACTIVATIONS); }

        @Override
        public RemovalCounts allocate(ModelConfig config, Target target) {
            double[] owl = OwlAllocator.measured(dense, () -> context.activations("search")).rates(config, target);
            outcome = search(modelPath, dense, tok, o, dataDir, owl, scores.get(), target, request, progress);
            return new FixedRatesAllocator(outcome.best().rates()).allocate(config, target);
        }

        /** What the search found; null before {@link #allocate}. */
        SearchJob.Outcome outcome() { return outcome; }
    }

    /** @param owl the OWL rates that seed the search */
    private static SearchJob.Outcome search(Path modelPath, LlamaModel dense, Tokenizer tok, PruneOptions o, Path dataDir,
                                            double[] owl, Scores scores, Target target, PruneJob.SearchRequest req,
                                            ProgressListener progress) {
        SearchOptions so = req.options();
        ModelConfig cfg = dense.config();
        String fitnessName = so.fitnessData() != null ? so.fitnessData() : o.calibration();
        TextCorpus corpus = TextCorpus.resolve(fitnessName, dataDir);
        refuseTestSplit(corpus, dataDir);
        int len = Math.min(so.fitnessLength(), cfg.maxPositions());
        // The fitness windows follow the region the calibration windows are drawn from (the first
        // 2 × samples × length tokens) when both read the same text, so they never overlap.
        int calibLen = Math.min(o.calibrationLength(), cfg.maxPositions());
        long skip = corpus.file().toAbsolutePath().equals(TextCorpus.resolve(o.calibration(), dataDir).file().toAbsolutePath())
                ? 2L * o.calibrationSamples() * calibLen : 0;
        int[] ids = CalibrationTokens.encode(tok, corpus.text(), skip + (long) so.fitnessWindows() * len);
        int from = (int) Math.min(skip, ids.length);
        int[] fitnessIds = Arrays.copyOfRange(ids, from, ids.length);
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("corpus", corpus.name());
        split.put("file", corpus.file().toString());
        split.put("sha256", Sha256.of(corpus.file()));
        split.put("firstToken", from);
        split.put("windows", so.fitnessWindows());
        split.put("length", len);
        split.put("note", "calibration text only: token " + from + " on, after the region the calibration windows "
                + "are drawn from; never a test split");

        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("model", modelPath.toAbsolutePath().normalize().toString());
        identity.put("weights", Sha256.weightFiles(modelPath).stream().map(d -> d.sha256()).toList());
        identity.put("criterion", o.criterion() + (o.secondOrder() ? " (second order)" : ""));
        identity.put("calibration", o.calibration());
        identity.put("calibrationSha256", Sha256.of(TextCorpus.resolve(o.calibration(), dataDir).file()));
        identity.put("calibrationSamples", o.calibrationSamples());
        identity.put("calibrationLength", calibLen);
        identity.put("calibrationSeed", o.seed());
        identity.put("fitnessData", corpus.file().toAbsolutePath().normalize().toString());
        identity.put("fitnessSha256", split.get("sha256"));
        SearchJob.Inputs in = new SearchJob.Inputs(dense, tok, modelPath, scores, owl, target, fitnessIds, split, identity);
        return SearchJob.run(in, so, req.folder(), progress, req.remote());
    }

    private static void refuseTestSplit(TextCorpus corpus, Path dataDir) {
        Path file = corpus.file().toAbsolutePath().normalize();
        for (String name : TEST_SPLITS) {
            Path test;
            try {
                test = TextCorpus.resolve(name, dataDir).file().toAbsolutePath().normalize();
            } catch (RuntimeException absent) {
                continue;
            }
            if (test.equals(file))
                throw new BadInputException(corpus.file(), "is the " + name + " test split; the search computes "
                        + "fitness on calibration text only (give --fitness-data another text)");
        }
    }
}
