package dev.lopper.allocation.search;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import dev.lopper.allocation.Target;
import dev.lopper.calib.CalibrationData;
import dev.lopper.importance.Scores;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.surgery.Groups;
import dev.lopper.util.ProgressListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One search, end to end: the search space and fitness from the dense model and its scores, the
 * operator, the evolution, and the run folder's final files (best-rates.json, best.json, the two
 * PNGs). Self-Pruner's search in Lopper's design; see docs/METHODS.md "Self-Pruner".
 */
public final class SearchJob {
    private SearchJob() {}

    /**
     * What a search works on. {@code owlRates} (may be null) seed the population and the plot;
     * {@code fitnessTokens} hold at least windows × length tokens of calibration text;
     * {@code split} names where they came from; {@code identity} names the model, criterion
     * and calibration (for resumption checks).
     */
    public record Inputs(LlamaModel dense, Tokenizer tokenizer, Path modelDir, Scores scores, double[] owlRates,
                         Target target, int[] fitnessTokens, Map<String, Object> split, Map<String, Object> identity) {}

    /** Where the run goes: a new folder ({@code force} replaces it) or one to resume. */
    public record Folder(Path dir, boolean resume, boolean force) {}

    public record Outcome(Evolution.Result result, SearchSpace space, Path runDir) {
        public Candidate best() {
            return result.best().candidate();
        }
    }

    /**
     * Where the evaluations run when not in this JVM (a cluster, {@code search.cluster}): opened once
     * the run folder and the fitness windows are ready, closed when the search ends.
     */
    @FunctionalInterface
    public interface Remote {
        RemoteEvaluator open(Inputs in, SearchOptions o, CalibrationData windows, RunFolder folder,
                             ProgressListener progress);
    }

    /** An {@link Evaluator} that holds resources (a cluster member, its workers). */
    public interface RemoteEvaluator extends Evaluator, AutoCloseable {
        @Override
        void close();
    }

    /** Checks the folder and operator before any long work: nothing is written when they are wrong. */
    public static void checkFirst(SearchOptions o, Folder f) {
        if (f.resume()) {
            if (!java.nio.file.Files.isDirectory(f.dir()))
                throw new BadInputException(f.dir(), "cannot be resumed: no such folder");
        } else {
            RunFolder.checkNew(f.dir(), f.force());
        }
        Operators.checkReachable(o);
    }

    public static Outcome run(Inputs in, SearchOptions o, Folder f, ProgressListener progress) {
        return run(in, o, f, progress, null);
    }

    /** A search whose evaluations run on {@code remote} (null: in this JVM, on {@code --jobs} threads). */
    public static Outcome run(Inputs in, SearchOptions o, Folder f, ProgressListener progress, Remote remote) {
        checkFirst(o, f);
        SearchSpace space = new SearchSpace(in.dense().config(), in.target(), o.minRate(), o.maxRate());
        if (in.dense().config().numLayers() == 0) throw new BadInputException("the model has no layers to search");
        int len = Math.min(o.fitnessLength(), in.dense().config().maxPositions());
        if (in.fitnessTokens().length < (long) o.fitnessWindows() * len)
            throw new BadInputException("the fitness text has " + in.fitnessTokens().length + " tokens (after the "
                    + "calibration region), fewer than " + o.fitnessWindows() + " windows of " + len);
        CalibrationData windows = CalibrationData.consecutive(in.fitnessTokens(), o.fitnessWindows(), len);
        Map<String, Object> settings = settings(in, o, len);
        Counters counters = new Counters();
        RunFolder created = f.resume() ? RunFolder.resume(f.dir(), settings)
                : RunFolder.create(f.dir(), settings, in.split(), f.force());
        try (RunFolder folder = created;
             MaskedFitness fitness = new MaskedFitness(in.dense(), in.scores(), windows, o.fitness(), o.topK(),
                     o.batch(), o.jobs());
             Operator operator = Operators.create(o, in, space, counters, folder);
             RemoteEvaluator elsewhere = remote == null ? null : remote.open(in, o, windows, folder, progress)) {
            if (f.resume()) folder.updateSettings(settings);
            List<Evolution.Seed> seeds = new ArrayList<>();
            seeds.add(new Evolution.Seed("uniform", space.uniform().rates()));
            if (in.owlRates() != null) seeds.add(new Evolution.Seed("owl", in.owlRates()));
            Evolution evo = new Evolution(space, fitness, operator, o.evolution(), folder, seeds, counters, progress);
            if (elsewhere != null) evo.evaluateWith(elsewhere);
            Evolution.Result r = evo.run();
            finish(folder, space, r, o, fitness);
            return new Outcome(r, space, f.dir());
        } catch (RuntimeException | Error e) {
            throw stopped(created, f, e);
        }
    }

    /**
     * A new run that failed before its first checkpoint is deleted (it holds nothing to resume, and
     * would block the corrected command); a run with a checkpoint is kept, and a full disk or a
     * permission says so in its one line.
     */
    private static RuntimeException stopped(RunFolder folder, Folder f, Throwable e) {
        if (!folder.hasCheckpoint()) {
            if (!f.resume()) dev.lopper.util.Leftovers.deleteQuietly(f.dir());
        } else {
            String io = dev.lopper.util.ErrorText.ioFailure(e);
            if (io != null)
                return new BadInputException(io + "; the run so far is kept: continue it with " + Setting.RESUME.mention() + " " + f.dir(), e);
        }
        if (e instanceof RuntimeException r) return r;
        throw (Error) e;
    }

    /** The settings recorded in run.json (never the API key). */
    static Map<String, Object> settings(Inputs in, SearchOptions o, int len) {
        Map<String, Object> s = new LinkedHashMap<>(in.identity());
        s.put("target", in.target().fraction());
        s.put("modules", in.target().modules().name().toLowerCase());
        s.put("layers", in.target().range().toString());
        s.put("allowEmptyLayers", in.target().allowEmptyLayers());
        s.put("minRate", o.minRate());
        s.put("maxRate", o.maxRate());
        s.put("operator", o.operator().toString());
        s.put("fitness", o.fitness().name().toLowerCase());
        s.put("fitnessWindows", o.fitnessWindows());
        s.put("fitnessLength", len);
        if (o.fitness() == MaskedFitness.Kind.KL) s.put("topK", o.topK());
        s.put("stages", o.stageWindows());
        s.put("stageKeep", o.stageKeep());
        s.put("population", o.population());
        s.put("crossovers", o.crossovers());
        s.put("mutations", o.mutations());
        s.put("generations", o.generations());
        s.put("seed", o.seed());
        s.put("jobs", o.jobs());
        if (o.operator().prompted()) {
            SearchOptions.Chat c = o.chat();
            if (o.operator() == OperatorKind.LLM) {
                s.put("operatorUrl", c.url());
                s.put("operatorModel", c.model());
                s.put("maxRequests", c.maxRequests());
            } else {
                s.put("operatorModelDir", c.operatorModelDir() == null ? "(the model being pruned)"
                        : c.operatorModelDir().toString());
                s.put("maxNewTokens", c.maxNewTokens());
            }
            s.put("temperature", c.temperature());
            s.put("maxFallbackShare", c.maxFallbackShare());
            s.put("prompts", c.prompts() == null ? "(built in)" : c.prompts().toString());
        }
        return s;
    }

    private static void finish(RunFolder folder, SearchSpace space, Evolution.Result r, SearchOptions o,
                               MaskedFitness fitness) {
        Candidate best = r.best().candidate();
        RunFolder.writeJson(folder.file(RunFolder.BEST_RATES), best.rates());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("fitness", fitness.describe());
        b.put("best", r.best().fitness());
        b.put("rates", best.rates());
        b.put("removedAttentionGroups", best.counts().attention());
        b.put("removedMlpChannels", best.counts().mlp());
        b.put("removedFraction", space.removed(best.counts()) / Groups.total(space.config()));
        Map<String, Object> seeds = new LinkedHashMap<>();
        r.seeds().forEach((name, m) -> seeds.put(name, EventLog.fields("fitness", m.fitness(), "rates", m.rates())));
        b.put("seeds", seeds);
        b.put("generations", r.generations());
        b.put("evaluations", r.evaluations());
        b.put("tokensPerEvaluation", (long) o.fitnessWindows() * fitness.windowLength());
        b.put("evaluatedTokens", r.evaluatedTokens());
        b.put("seconds", r.seconds());
        b.put("counters", r.counters());
        RunFolder.writeJson(folder.file(RunFolder.BEST), b);
        String kind = o.fitness().name().toLowerCase();
        SearchCharts.curve(folder.file(RunFolder.CURVE_PNG), r.curve(), kind,
                "Search (" + o.operator() + ", " + kind + "): best so far");
        Map<String, double[]> profiles = new LinkedHashMap<>();
        profiles.put("search (" + o.operator() + ")", best.rates());
        // Uniform lies above the target: the target counts ALL parameters, and embeddings and LM head are never
        // pruned, so the layers must lose a larger share. The legend says so.
        r.seeds().forEach((name, m) -> profiles.put(name.equals("uniform")
                ? "uniform (above the target: embeddings and LM head are not pruned)" : name, m.rates()));
        SearchCharts.rates(folder.file(RunFolder.RATES_PNG), profiles,
                "Per-layer pruning rates, target " + space.target().fraction() + " of all parameters");
    }
}
