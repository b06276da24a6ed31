package dev.lopper.allocation.search;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.util.ProgressListener;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The evolutionary loop (Self-Pruner's shape, Lopper's design of the details): a population of
 * {@code population} repaired genomes, seeded with the given baselines (uniform, OWL) and the
 * operator's initial proposals; each generation the operator selects parents, makes
 * {@code crossovers} children and {@code mutations} mutants; they are repaired and scored, and the
 * best {@code population} of parents and children survive ((μ+λ) elitism, so the best never gets
 * worse). Multi-stage selection (EvoPress): children are scored on the first stage's windows, the
 * best {@code stageKeep} share of them is re-scored on the next stage's, and only those scored on
 * the last stage (all fitness windows) can enter the population.
 *
 * <p>Each generation draws from its own random stream, seeded by (seed, generation), and the
 * state after it is checkpointed; so a run resumed from generation g continues exactly as the
 * uninterrupted run with the {@code ga} operator.
 */
public final class Evolution {
    /** What a search does; {@code stages} are windows per stage, ascending, the last = all fitness windows. */
    public record Settings(int population, int crossovers, int mutations, int generations, long seed, int[] stages,
                           double stageKeep) {
        public Settings {
            if (population < 2) throw new BadSettingException(Setting.POPULATION, "must be at least 2");
            if (crossovers < 0 || mutations < 0 || crossovers + mutations < 1)
                throw new BadSettingException(Setting.CROSSOVERS_AND_MUTATIONS, "must be at least 1");
            if (generations < 0) throw new BadSettingException(Setting.GENERATIONS, "must be >= 0");
            if (stages.length == 0) throw new BadSettingException(Setting.STAGES, "needs at least one stage");
            for (int i = 0; i < stages.length; i++)
                if (stages[i] < 1 || (i > 0 && stages[i] <= stages[i - 1]))
                    throw new BadSettingException(Setting.STAGES, "must be increasing positive window counts");
            if (!(stageKeep > 0 && stageKeep <= 1)) throw new BadSettingException(Setting.STAGE_KEEP, "must be in (0, 1]");
        }

        public int fullWindows() {
            return stages[stages.length - 1];
        }
    }

    /** A named starting genome (e.g. uniform, OWL). */
    public record Seed(String name, double[] rates) {}

    /** The outcome; {@code seeds} maps each seed's name to its (repaired) member. */
    public record Result(Member best, Map<String, Member> seeds, int generations, long evaluations,
                         long evaluatedTokens, List<double[]> curve, Map<String, Long> counters, double seconds) {}

    /** Test hook: called after every fitness evaluation (e.g. to interrupt a run mid-generation). */
    public interface AfterEvaluation {
        void evaluated(long evaluations);
    }

    private final SearchSpace space;
    private final MaskedFitness fitness;
    private final Operator operator;
    private final Settings s;
    private final RunFolder folder;
    private final List<Seed> seeds;
    private final Counters counters;
    private final ProgressListener progress;
    private AfterEvaluation afterEvaluation = e -> {};

    private final Map<String, Double> cache = new HashMap<>();
    /** The seeds as repaired and scored in generation 0 (kept in the checkpoint). */
    private final Map<String, Member> seeded = new LinkedHashMap<>();
    private long evaluations, tokens;
    private final List<double[]> curve = new ArrayList<>();
    private double secondsBefore;
    private long startNanos;

    public Evolution(SearchSpace space, MaskedFitness fitness, Operator operator, Settings settings, RunFolder folder,
                     List<Seed> seeds, Counters counters, ProgressListener progress) {
        this.space = space;
        this.fitness = fitness;
        this.operator = operator;
        this.s = settings;
        this.folder = folder;
        this.seeds = seeds;
        this.counters = counters;
        this.progress = progress;
        if (settings.fullWindows() > fitness.windows())
            throw new BadSettingException(Setting.STAGES, "asks for " + settings.fullWindows()
                    + " windows but the fitness data has " + fitness.windows());
    }

    public Evolution onEvaluation(AfterEvaluation hook) {
        this.afterEvaluation = hook;
        return this;
    }

    private static final Comparator<Member> ORDER = Comparator.comparingDouble(Member::fitness)
            .thenComparing(m -> m.candidate().key());

    /** Runs (or resumes, when the folder has a checkpoint) the search to its last generation. */
    public Result run() {
        startNanos = System.nanoTime();
        RunFolder.Checkpoint cp = folder.readCheckpoint();
        List<Member> population;
        int first;
        if (cp == null) {
            population = initialPopulation();
            first = 1;
            checkpoint(0, population);
        } else {
            population = restore(cp);
            first = cp.generation() + 1;
            folder.event("resume", EventLog.fields("fromGeneration", cp.generation()));
        }
        for (int g = first; g <= s.generations(); g++) {
            population = generation(g, population);
            checkpoint(g, population);
            report(g, population);
        }
        return new Result(population.getFirst(), new LinkedHashMap<>(seeded), s.generations(), evaluations, tokens, List.copyOf(curve),
                counters.snapshot(), seconds());
    }

    private List<Member> initialPopulation() {
        SplittableRandom rng = random(0);
        List<Candidate> cands = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (Seed seed : seeds) add(cands, keys, new Operator.Proposal(seed.rates(), "seed:" + seed.name()), 0);
        int want = s.population() - cands.size();
        if (want > 0) for (Operator.Proposal p : operator.initial(want, space, rng)) add(cands, keys, p, 0);
        // Duplicates (same counts) are dropped; top up with ga proposals, a bounded number of times.
        GaOperator ga = new GaOperator();
        for (int tries = 0; cands.size() < s.population() && tries < 20 * s.population(); tries++)
            add(cands, keys, ga.initial(1, space, rng).getFirst(), 0);
        double[] f = score(cands, s.fullWindows(), 0);
        List<Member> pop = new ArrayList<>();
        for (int i = 0; i < cands.size(); i++) pop.add(new Member(cands.get(i), f[i]));
        for (Seed seed : seeds) {
            Candidate c = space.repair(seed.rates()).candidate();
            seeded.put(seed.name(), new Member(c, cache.get(cacheKey(c, s.fullWindows()))));
        }
        pop.sort(ORDER);
        return pop;
    }

    private void add(List<Candidate> out, Set<String> keys, Operator.Proposal p, int generation) {
        Candidate c = repairLogged(p, generation);
        if (c != null && keys.add(c.key())) out.add(c);
    }

    /** Repairs a proposal and logs it; null when it is not a usable vector (counted). */
    private Candidate repairLogged(Operator.Proposal p, int generation) {
        double[] raw = p.rates();
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("generation", generation);
        e.put("origin", p.origin());
        e.put("raw", raw);
        SearchSpace.Repair r;
        try {
            r = space.repair(raw);
        } catch (IllegalArgumentException ex) {
            counters.inc("unusableProposals");
            e.put("error", ex.getMessage());
            folder.event("candidate", e);
            return null;
        }
        e.put("rates", r.candidate().rates());
        e.put("key", r.candidate().key());
        e.put("repair", EventLog.fields("clipped", r.clipped(), "shift", r.shift(), "channelMoves", r.moves()));
        e.put("removedFraction", space.removed(r.candidate().counts()) / dev.lopper.surgery.Groups.total(space.config()));
        folder.event("candidate", e);
        return r.candidate();
    }

    private List<Member> generation(int g, List<Member> population) {
        SplittableRandom rng = random(g);
        Operator.Parents parents = operator.select(population, s.crossovers(), s.mutations(), rng);
        List<Operator.Proposal> proposals = new ArrayList<>();
        proposals.addAll(operator.crossover(population, parents.pairs(), space, rng));
        proposals.addAll(operator.mutate(population, parents.singles(), space, rng));
        Set<String> keys = new HashSet<>();
        for (Member m : population) keys.add(m.candidate().key());
        List<Candidate> children = new ArrayList<>();
        for (Operator.Proposal p : proposals) add(children, keys, p, g);
        counters.add("duplicateChildren", proposals.size() - children.size());
        // Multi-stage selection: the best share of each stage goes on to the next.
        List<Candidate> pool = children;
        double[] f = new double[0];
        for (int st = 0; st < s.stages().length && !pool.isEmpty(); st++) {
            f = score(pool, s.stages()[st], g);
            if (st == s.stages().length - 1) break;
            List<Member> ranked = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) ranked.add(new Member(pool.get(i), f[i]));
            ranked.sort(ORDER);
            int keep = Math.max(1, (int) Math.ceil(s.stageKeep() * ranked.size()));
            pool = new ArrayList<>();
            for (int i = 0; i < keep; i++) pool.add(ranked.get(i).candidate());
        }
        List<Member> merged = new ArrayList<>(population);
        for (int i = 0; i < pool.size(); i++) merged.add(new Member(pool.get(i), f[i]));
        merged.sort(ORDER);
        return new ArrayList<>(merged.subList(0, Math.min(s.population(), merged.size())));
    }

    /** Fitness of candidates on {@code windows} windows, from the cache or evaluated (logged, counted). */
    private double[] score(List<Candidate> cands, int windows, int generation) {
        double[] out = new double[cands.size()];
        List<Integer> todo = new ArrayList<>();
        List<RemovalCounts> counts = new ArrayList<>();
        for (int i = 0; i < cands.size(); i++) {
            Double hit = cache.get(cacheKey(cands.get(i), windows));
            if (hit != null) {
                out[i] = hit;
                counters.inc("cacheHits");
                logFitness(cands.get(i), windows, hit, true, generation);
            } else {
                todo.add(i);
                counts.add(cands.get(i).counts());
            }
        }
        // Evaluated in chunks so that the hook (and a kill) can fall between evaluations.
        int chunk = Math.max(1, fitness.jobs());
        for (int from = 0; from < todo.size(); from += chunk) {
            int to = Math.min(todo.size(), from + chunk);
            double[] f = fitness.evaluateAll(counts.subList(from, to), windows);
            for (int j = from; j < to; j++) {
                int i = todo.get(j);
                double v = Double.isFinite(f[j - from]) ? f[j - from] : Double.MAX_VALUE;
                out[i] = v;
                cache.put(cacheKey(cands.get(i), windows), v);
                evaluations++;
                tokens += (long) windows * fitness.windowLength();
                logFitness(cands.get(i), windows, v, false, generation);
                if (windows == s.fullWindows()) improve(v);
                afterEvaluation.evaluated(evaluations);
            }
        }
        return out;
    }

    private void improve(double v) {
        double best = curve.isEmpty() ? Double.MAX_VALUE : curve.getLast()[1];
        curve.add(new double[]{evaluations, Math.min(best, v)});
    }

    private void logFitness(Candidate c, int windows, double v, boolean cached, int generation) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("generation", generation);
        e.put("key", c.key());
        e.put("windows", windows);
        e.put("tokens", (long) windows * fitness.windowLength());
        e.put("fitness", v);
        e.put("cached", cached);
        folder.event("fitness", e);
    }

    private static String cacheKey(Candidate c, int windows) {
        return c.key() + "@" + windows;
    }

    private SplittableRandom random(int generation) {
        return new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + generation * 0xBF58476D1CE4E5B9L + 1);
    }

    private void checkpoint(int g, List<Member> population) {
        List<RunFolder.SavedMember> saved = new ArrayList<>();
        for (Member m : population) saved.add(saved(m));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("generation", g);
        e.put("best", population.getFirst().fitness());
        e.put("bestRates", population.getFirst().rates());
        e.put("evaluations", evaluations);
        folder.event("generation", e);
        Map<String, RunFolder.SavedMember> seedsSaved = new LinkedHashMap<>();
        seeded.forEach((name, m) -> seedsSaved.put(name, saved(m)));
        folder.writeCheckpoint(new RunFolder.Checkpoint(g, saved, seedsSaved, new java.util.TreeMap<>(cache), evaluations,
                tokens, List.copyOf(curve), counters.snapshot(), 0, seconds()));
        // Provisional until the search ends (SearchJob.finish writes the plain array): an object that
        // says so, which `prune --rates` reads with a warning.
        Map<String, Object> provisional = new LinkedHashMap<>();
        provisional.put("provisional", "best after generation " + g + " of " + s.generations()
                + "; the search has not finished (continue it with lopper search --resume)");
        provisional.put("generation", g);
        provisional.put("generations", s.generations());
        provisional.put("rates", population.getFirst().rates());
        RunFolder.writeJson(folder.file(RunFolder.BEST_RATES), provisional);
    }

    private static RunFolder.SavedMember saved(Member m) {
        return new RunFolder.SavedMember(m.candidate().rates(), m.candidate().counts().attention(),
                m.candidate().counts().mlp(), m.fitness());
    }

    private static Member member(RunFolder.SavedMember m) {
        return new Member(new Candidate(m.rates(), new RemovalCounts(m.attention(), m.mlp())), m.fitness());
    }

    private List<Member> restore(RunFolder.Checkpoint cp) {
        List<Member> pop = new ArrayList<>();
        for (RunFolder.SavedMember m : cp.population()) pop.add(member(m));
        cp.seeds().forEach((name, m) -> seeded.put(name, member(m)));
        cache.putAll(cp.cache());
        evaluations = cp.evaluations();
        tokens = cp.evaluatedTokens();
        curve.addAll(cp.curve());
        counters.restore(cp.counters());
        secondsBefore = cp.seconds();
        pop.sort(ORDER);
        return pop;
    }

    private double seconds() {
        return secondsBefore + (System.nanoTime() - startNanos) / 1e9;
    }

    private void report(int g, List<Member> population) {
        double perGen = seconds() / Math.max(1, g);
        long eta = Math.round(perGen * (s.generations() - g));
        progress.update(g, s.generations(), String.format("generation %d/%d, %d evaluations, best %s %.5g, ETA %ds", g,
                s.generations(), evaluations, fitness.kind().name().toLowerCase(), population.getFirst().fitness(), eta));
    }
}
