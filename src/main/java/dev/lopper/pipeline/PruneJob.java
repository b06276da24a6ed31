package dev.lopper.pipeline;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.BadInputException;
import dev.lopper.allocation.AllocationKind;
import dev.lopper.allocation.Allocator;
import dev.lopper.allocation.FixedRatesAllocator;
import dev.lopper.allocation.FlapGlobalAllocator;
import dev.lopper.allocation.LayerRange;
import dev.lopper.allocation.Modules;
import dev.lopper.allocation.OwlAllocator;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.UniformAllocator;
import dev.lopper.allocation.WidthRounding;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.allocation.search.SearchOptions;
import dev.lopper.calib.CalibrationCost;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.CalibrationTokens;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.TaylorStats;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.HywiaOutcome;
import dev.lopper.importance.Criteria;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.Scores;
import dev.lopper.importance.ScoringContext;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.recovery.BiasCompensation;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.io.PruningRecord;
import dev.lopper.surgery.Surgery;
import dev.lopper.util.Lazy;
import dev.lopper.util.ProgressListener;
import dev.lopper.util.Sha256;
import dev.lopper.util.StageMeter;

import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One pruning run: calibrate (only what the criterion and allocation need), score every
 * prunable group, allocate the budget over layers, select the groups to keep, compensate
 * biases (FLAP) and cut the matrices.
 */
public final class PruneJob {
    private PruneJob() {}

    /** What a run produced; {@code calibrationWindows}/{@code calibrationLength} are what was really used. */
    public record Outcome(LlamaModel pruned, KeepPlan plan, Scores scores, RemovalCounts counts, Target target,
                          int calibrationWindows, int calibrationLength, PruningRecord record,
                          WidthRounding.Rounded rounding, HywiaOutcome hywia, SearchJob.Outcome search) {
        /** The same outcome with the pruned model's weights replaced (same shapes: a recovery step's result). */
        public Outcome withPruned(LlamaModel m) {
            return new Outcome(m, plan, scores, counts, target, calibrationWindows, calibrationLength, record, rounding,
                    hywia, search);
        }

        /** What this prune did, for the console and reports ({@code options}: the ones it ran with). */
        public dev.lopper.eval.PruneSummary summary(PruneOptions options, ModelConfig dense) {
            return new dev.lopper.eval.PruneSummary(options.method().toString(), record, dense, pruned.config(),
                    options.layers().explain(dense.numLayers()), options.calibration(), rounding);
        }
    }

    /**
     * How {@code --allocation search} runs: the search options, its run folder, and where its
     * evaluations run ({@code remote} null: in this JVM).
     */
    public record SearchRequest(SearchOptions options, SearchJob.Folder folder, SearchJob.Remote remote) {
        public SearchRequest(SearchOptions options, SearchJob.Folder folder) {
            this(options, folder, null);
        }
    }

    public static Outcome run(Path modelPath, LlamaModel dense, Tokenizer tok, PruneOptions o, Path dataDir,
                              ProgressListener progress) {
        return run(modelPath, dense, tok, o, dataDir, progress, null);
    }

    /**
     * A run whose allocation may be {@code search}: then {@code search} says how, and the search's
     * best rates are applied as {@code --allocation file} would apply them.
     */
    public static Outcome run(Path modelPath, LlamaModel dense, Tokenizer tok, PruneOptions o, Path dataDir,
                              ProgressListener progress, SearchRequest search) {
        return run(modelPath, dense, tok, o, dataDir, progress, search, new StageMeter(dev.lopper.tensor.Gemm::flopsDone));
    }

    /**
     * Like the above, with each stage (calibration, scoring, allocation, fusion, selection) ended
     * on {@code meter} as it finishes: its wall time, bytes read and resident memory.
     */
    public static Outcome run(Path modelPath, LlamaModel dense, Tokenizer tok, PruneOptions o, Path dataDir,
                              ProgressListener progress, SearchRequest search, StageMeter meter) {
        if (o.allocation() == AllocationKind.SEARCH) {
            if (search == null) throw new BadSettingException(Setting.ALLOCATION, "search needs the search options (lopper prune or lopper search)");
            SearchJob.checkFirst(search.options(), search.folder());
        }
        Instant start = Instant.now();
        ModelConfig cfg = dense.config();
        LayerRange range = o.layers().resolve(cfg.numLayers());
        Target target = new Target(o.target(), o.modules(), range, o.allowEmptyLayers());
        target.check(cfg);
        Criterion criterion = Criteria.create(o.criterion(), new Criteria.Options(o.seed(), o.secondOrder()), o.fusion());

        // What the criterion scores from: statistics of the calibration windows, computed on demand (each once),
        // and the held-out windows it asks for. The text is read only if something needs statistics.
        CalibrationText text = new CalibrationText(o, dataDir, tok, cfg, criterion.heldOut());
        int batch = Math.max(1, 1024 / text.length());
        TaylorStats.Options taylor = new TaylorStats.Options(range.start(), range.end(),
                o.modules() != Modules.MLP, o.modules() != Modules.ATTENTION, o.secondOrder(), 0);
        ScoringContext context = ScoringContext.builder(dense).calibration(text::windows, taylor, batch)
                .heldOut(text::heldOut).progress(progress).build();
        Lazy<Scores> firstScores = Lazy.of(() -> criterion.score(context));
        SearchRuns.Allocation searching = o.allocation() == AllocationKind.SEARCH
                ? new SearchRuns.Allocation(modelPath, dense, tok, o, dataDir, context, firstScores, search, progress)
                : null;
        Allocator allocator = allocator(o, cfg, context, firstScores, searching);

        // Calibrate once, at this stage, for everything the criterion and the allocation say they read.
        Set<Statistic> needs = EnumSet.noneOf(Statistic.class);
        needs.addAll(criterion.needs());
        needs.addAll(allocator.needs());
        if (o.biasCompensation()) needs.add(Statistic.ACTIVATIONS);
        Sha256.FileDigest calibDigest = null;
        int windows = 0, length = 0;
        if (!needs.isEmpty()) {
            CalibrationData data = text.windows();
            windows = data.windows();
            length = data.length();
            CalibrationCost.check(dense, needs, windows, length, batch, progress);
            context.collect(needs);
            calibDigest = Sha256.digest(text.file());
            meter.end("calibration");
        }

        Scores scores = firstScores.get();
        meter.end("scoring");
        RemovalCounts counts = allocator.allocate(cfg, target);
        WidthRounding.Rounded rounding = null;
        if (o.roundTo() > 0) {
            rounding = WidthRounding.apply(cfg, counts, target, o.roundTo());
            counts = rounding.counts();
        }
        meter.end("allocation");
        if (criterion.readsCounts()) {
            scores = criterion.score(context.withCounts(counts.attention(), counts.mlp()));
            meter.end(criterion.countsStage());
        }
        HywiaOutcome hywiaOutcome = HywiaOutcome.of(scores, counts);
        KeepPlan plan = Selection.select(scores, counts);
        if (o.biasCompensation())
            plan = BiasCompensation.fromStats(plan, dense, context.activations("bias compensation"));
        // Cut on demand, layer by layer, as the writer walks the layers: never all in memory at once.
        LlamaModel pruned = Surgery.lazy(dense, plan);
        meter.end("selection");

        PruningRecord record = new PruningRecord(PruningRecord.currentVersion(),
                new PruningRecord.Inputs(modelPath.toString(), Sha256.weightFiles(modelPath), calibDigest),
                new PruningRecord.Options(criterion.name(), allocator.name(), o.target(), o.modules().name().toLowerCase(),
                        range.start(), range.end(), o.allowEmptyLayers(), o.biasCompensation(), o.seed(), windows,
                        length, o.roundTo()),
                PruningRecord.keptOf(plan.keptKvHeads(), plan.keptChannels()), PruningRecord.Parameters.of(dense, pruned),
                PruningRecord.Run.since(start), hywiaOutcome == null ? null : hywiaOutcome.record());
        return new Outcome(pruned, plan, scores, counts, target, windows, length, record, rounding, hywiaOutcome,
                searching == null ? null : searching.outcome());
    }

    /**
     * The run's allocator, made before calibration so that it can say what it reads; what it reads
     * after calibration (the statistics, the criterion's first scores) it gets when it allocates.
     */
    private static Allocator allocator(PruneOptions o, ModelConfig cfg, ScoringContext context, Supplier<Scores> scores,
                                       SearchRuns.Allocation searching) {
        return switch (o.allocation()) {
            case UNIFORM -> new UniformAllocator();
            case OWL -> OwlAllocator.measured(context.model(), () -> context.activations("owl"));
            case FLAP_GLOBAL -> new FlapGlobalAllocator(scores);
            case FILE -> {
                if (o.ratesFile() == null) throw new BadSettingException(Setting.RATES, "FILE is needed by the file allocation");
                yield FixedRatesAllocator.fromFile(o.ratesFile(), cfg.numLayers());
            }
            case SEARCH -> searching;
        };
    }

    /**
     * The calibration windows and the criterion's held-out windows, encoded from the calibration
     * text the first time either is asked for. Only the windows outlive the encoding: the corpus
     * text (megabytes) must not stay reachable during the backward pass.
     */
    private static final class CalibrationText {
        private final PruneOptions o;
        private final Path dataDir;
        private final Tokenizer tok;
        private final Criterion.HeldOut heldOut;
        private final int length, heldOutLength;
        private CalibrationData windows, heldOutWindows;
        private Path file;

        CalibrationText(PruneOptions o, Path dataDir, Tokenizer tok, ModelConfig cfg, Criterion.HeldOut heldOut) {
            this.o = o;
            this.dataDir = dataDir;
            this.tok = tok;
            this.heldOut = heldOut;
            this.length = Math.min(o.calibrationLength(), cfg.maxPositions());
            this.heldOutLength = heldOut == null ? 0 : Math.min(heldOut.length(), cfg.maxPositions());
        }

        /** Tokens per calibration window. */
        int length() { return length; }

        CalibrationData windows() {
            encode();
            return windows;
        }

        /** Null when the criterion asked for none. */
        CalibrationData heldOut() {
            if (heldOut == null) return null;
            encode();
            return heldOutWindows;
        }

        Path file() {
            encode();
            return file;
        }

        private void encode() {
            if (windows != null) return;
            TextCorpus corpus = TextCorpus.resolve(o.calibration(), dataDir);
            // Twice the tokens the windows need, so that random offsets still have room to vary. Held-out windows
            // come from a longer encoding of the same text (whose prefix is the same ids): the calibration windows
            // stay exactly those of the same calibration without them.
            long wanted = 2L * o.calibrationSamples() * length;
            long more = heldOut == null ? 0 : 2L * heldOut.samples() * heldOutLength;
            int[] ids = CalibrationTokens.encode(tok, corpus.text(), wanted);
            int[] longer = more > 0 ? CalibrationTokens.encode(tok, corpus.text(), wanted + more) : ids;
            if (!java.util.Arrays.equals(ids, 0, ids.length, longer, 0, Math.min(ids.length, longer.length)))
                throw new IllegalStateException("the longer calibration encoding does not start with the shorter one");
            int n = Math.min(o.calibrationSamples(), ids.length / Math.max(1, length));
            if (n == 0)
                throw new BadInputException(corpus.file(), "calibration text has " + ids.length
                        + " tokens, shorter than one window of " + length);
            CalibrationData data = CalibrationData.random(ids, n, length, o.seed());
            if (heldOut != null) {
                try {
                    heldOutWindows = CalibrationData.disjointFrom(data, longer, heldOut.samples(), heldOutLength, o.seed());
                } catch (BadInputException e) {
                    throw new BadInputException(corpus.file(), e.getMessage() + " (" + heldOut.settings() + ")");
                }
            }
            file = corpus.file();
            windows = data;
        }
    }
}
