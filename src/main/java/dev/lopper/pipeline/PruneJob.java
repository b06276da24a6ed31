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
import dev.lopper.allocation.OutlierRatios;
import dev.lopper.allocation.OwlAllocator;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.UniformAllocator;
import dev.lopper.allocation.WidthRounding;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.allocation.search.SearchOptions;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.CalibrationTokens;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.HywiaOutcome;
import dev.lopper.importance.Criteria;
import dev.lopper.importance.Criterion;
import dev.lopper.recovery.BiasCompensation;
import dev.lopper.importance.HywiaCriterion;
import dev.lopper.importance.Scores;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.CausalLM;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.PruningRecord;
import dev.lopper.util.Sha256;
import dev.lopper.surgery.Surgery;
import dev.lopper.util.ProgressListener;
import dev.lopper.util.StageMeter;
import dev.lopper.calib.CalibrationCost;

import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

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
        return run(modelPath, dense, tok, o, dataDir, progress, search, new StageMeter());
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
        HywiaCriterion hywia = criterion instanceof HywiaCriterion h ? h : null;

        Set<Statistic> needs = EnumSet.noneOf(Statistic.class);
        needs.addAll(criterion.needs());
        if (o.allocation().needsActivations() || o.biasCompensation())
            needs.add(Statistic.ACTIVATIONS);

        CausalLM t = CausalLM.of(dense);
        Statistics stats = Statistics.NONE;
        Sha256.FileDigest calibDigest = null;
        int windows = 0, length = 0;
        CalibrationData fusionWindows = null;
        if (!needs.isEmpty()) {
            length = Math.min(o.calibrationLength(), cfg.maxPositions());
            boolean learned = hywia != null && hywia.options().learned();
            int fusionLength = learned ? Math.min(o.fusion().length(), cfg.maxPositions()) : 0;
            // Twice the tokens the windows need, so that random offsets still have room to vary. HyWIA's
            // fusion windows come from a longer encoding of the same text (whose prefix is the same ids):
            // the gradient windows stay exactly those of the same calibration without HyWIA.
            CalibrationText text = CalibrationText.encode(o.calibration(), dataDir, tok,
                    2L * o.calibrationSamples() * length, learned ? 2L * o.fusion().samples() * fusionLength : 0);
            int[] ids = text.ids();
            windows = Math.min(o.calibrationSamples(), ids.length / Math.max(1, length));
            if (windows == 0)
                throw new BadInputException(text.file(), "calibration text has " + ids.length
                        + " tokens, shorter than one window of " + length);
            CalibrationData data = CalibrationData.random(ids, windows, length, o.seed());
            if (learned) {
                try {
                    fusionWindows = CalibrationData.disjointFrom(data, text.longer(), o.fusion().samples(), fusionLength,
                            o.seed());
                } catch (BadInputException e) {
                    throw new BadInputException(text.file(), e.getMessage() + " (--fusion-samples, --fusion-len)");
                }
            }
            TaylorStats.Options taylor = new TaylorStats.Options(range.start(), range.end(),
                    o.modules() != Modules.MLP, o.modules() != Modules.ATTENTION, o.secondOrder(), 0);
            int batch = Math.max(1, 1024 / length);
            CalibrationCost.check(dense, needs, windows, length, batch, progress);
            stats = Calibrator.collect(t, data, needs, taylor, batch, progress);
            calibDigest = Sha256.digest(text.file());
            meter.end("calibration");
        }

        Scores scores = criterion.score(dense, stats);
        meter.end("scoring");
        SearchJob.Outcome searched = null;
        Allocator allocator = switch (o.allocation()) {
            case UNIFORM -> new UniformAllocator();
            case OWL -> new OwlAllocator(OutlierRatios.compute(dense, stats.activations(), OutlierRatios.DEFAULT_M));
            case FLAP_GLOBAL -> new FlapGlobalAllocator(scores);
            case FILE -> {
                if (o.ratesFile() == null) throw new BadSettingException(Setting.RATES, "FILE is needed by the file allocation");
                yield FixedRatesAllocator.fromFile(o.ratesFile(), cfg.numLayers());
            }
            case SEARCH -> {
                SearchJob.Outcome so = SearchRuns.search(modelPath, dense, tok, o, dataDir, stats, scores, target,
                        search, progress);
                searched = so;
                yield SearchRuns.allocator(so.best().rates());
            }
        };
        RemovalCounts counts = allocator.allocate(cfg, target);
        WidthRounding.Rounded rounding = null;
        if (o.roundTo() > 0) {
            rounding = WidthRounding.apply(cfg, counts, target, o.roundTo());
            counts = rounding.counts();
        }
        meter.end("allocation");
        HywiaOutcome hywiaOutcome = null;
        if (hywia != null) {
            HywiaCriterion.Fusion fusion = hywia.fuse(dense, t, stats, counts.attention(), counts.mlp(), fusionWindows,
                    progress);
            scores = fusion.scores();
            hywiaOutcome = HywiaOutcome.of(fusion, counts, fusionWindows);
            meter.end("fusion");
        }
        KeepPlan plan = Selection.select(scores, counts);
        if (o.biasCompensation()) plan = BiasCompensation.fromStats(plan, dense, stats.activations());
        // Cut on demand, layer by layer, as the writer walks the layers: never all in memory at once.
        LlamaModel pruned = Surgery.lazy(dense, plan);
        meter.end("selection");

        PruningRecord record = new PruningRecord(PruningRecord.currentVersion(),
                new PruningRecord.Inputs(modelPath.toString(), Sha256.weightFiles(modelPath), calibDigest),
                new PruningRecord.Options(criterion.name(), allocator.name(), o.target(), o.modules().name().toLowerCase(),
                        range.start(), range.end(), o.allowEmptyLayers(), o.biasCompensation(), o.seed(), windows,
                        length, o.roundTo()),
                PruningRecord.keptOf(plan), PruningRecord.Parameters.of(dense, pruned), PruningRecord.Run.since(start),
                hywiaOutcome == null ? null : hywiaOutcome.record(o.fusion()));
        return new Outcome(pruned, plan, scores, counts, target, windows, length, record, rounding, hywiaOutcome,
                searched);
    }

    /**
     * The calibration corpus's first tokens and its file. Only the ids outlive this call: the
     * corpus text (megabytes) must not stay reachable during the backward pass.
     */
    private record CalibrationText(int[] ids, int[] longer, Path file) {
        /** {@code more} > 0: also the ids of at least {@code wanted + more} tokens (a stream that starts with {@code ids}). */
        static CalibrationText encode(String corpusName, Path dataDir, Tokenizer tok, long wanted, long more) {
            TextCorpus corpus = TextCorpus.resolve(corpusName, dataDir);
            int[] ids = CalibrationTokens.encode(tok, corpus.text(), wanted);
            int[] longer = more > 0 ? CalibrationTokens.encode(tok, corpus.text(), wanted + more) : ids;
            if (!java.util.Arrays.equals(ids, 0, ids.length, longer, 0, Math.min(ids.length, longer.length)))
                throw new IllegalStateException("the longer calibration encoding does not start with the shorter one");
            return new CalibrationText(ids, longer, corpus.file());
        }
    }
}
