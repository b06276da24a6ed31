package dev.lopper.allocation.search;

import dev.lopper.model.CausalLM;
import dev.lopper.model.Pass;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.calib.CalibrationData;
import dev.lopper.importance.Scores;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Masks;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * Fitness of a candidate (lower = better), computed on the DENSE model with masks: the groups
 * the candidate's counts remove (lowest scores first, as {@link Selection} picks them) are masked
 * to zero, which computes exactly what the pruned model would (no bias compensation), without
 * rebuilding any weights. Scored on the first {@code windows} fitness windows:
 * <ul>
 * <li>{@code ppl}: exp(mean next-token NLL) (Self-Pruner's fitness);</li>
 * <li>{@code kl}: mean over every position of KL(dense ‖ masked) of the next-token distribution
 * (EvoPress's fitness). The dense distributions are computed once and kept as their top-k
 * probabilities plus the mass of the rest: the KL is then that of the (k+1)-outcome coarsening,
 * a lower bound of the full KL that equals it when k ≥ vocabulary (Lopper's design).</li>
 * </ul>
 * With {@code jobs} > 1 candidates are evaluated concurrently, each on its own {@link CausalLM}
 * (the GEMMs inside then run on one thread); results do not depend on it.
 */
public final class MaskedFitness implements Evaluator, AutoCloseable {
    public enum Kind {
        PPL, KL;

        @Override
        public String toString() { return dev.lopper.util.Choices.spelling(this); }
    }

    private final LlamaModel dense;
    private final Scores scores;
    private final CalibrationData data;
    private final Kind kind;
    private final int topK;
    private final int batch;
    private final int jobs;
    private final ForkJoinPool pool;
    private final ThreadLocal<CausalLM> transformers;
    private final DenseTopK reference;

    public MaskedFitness(LlamaModel dense, Scores scores, CalibrationData data, Kind kind, int topK, int batch, int jobs) {
        this.dense = dense;
        this.scores = scores;
        this.data = data;
        this.kind = kind;
        this.topK = topK;
        this.batch = Math.max(1, batch);
        this.jobs = Math.max(1, jobs);
        this.pool = this.jobs > 1 ? new ForkJoinPool(this.jobs) : null;
        this.transformers = ThreadLocal.withInitial(() -> CausalLM.of(dense));
        this.reference = kind == Kind.KL ? DenseTopK.compute(CausalLM.of(dense), data, topK, this.batch) : null;
    }

    public Kind kind() { return kind; }

    public int jobs() { return jobs; }

    @Override
    public int batch() { return jobs; }

    public int windows() { return data.windows(); }

    public int windowLength() { return data.length(); }

    /** The fitness of one candidate on the first {@code windows} windows. */
    public double evaluate(RemovalCounts counts, int windows) {
        if (windows < 1 || windows > data.windows())
            throw new IllegalArgumentException(windows + " windows of " + data.windows());
        Masks masks = masksOf(counts);
        CausalLM t = transformers.get();
        int len = data.length();
        if (kind == Kind.PPL) return Math.exp(t.loss(data::batch, windows, len, batch, Pass.masked(masks), w -> {}).mean());
        double kl = 0;
        for (int w = 0; w < windows; w += batch) {
            int b = Math.min(batch, windows - w);
            float[] logits = t.logits(data.batch(w, b), b, len, Pass.masked(masks));
            kl += reference.klSum(logits, w * len, b * len);
        }
        return kl / ((double) windows * len);
    }

    /** Fitness of several candidates (in order), concurrently when {@code jobs} > 1. */
    @Override
    public double[] evaluateAll(List<RemovalCounts> candidates, int windows) {
        double[] out = new double[candidates.size()];
        if (pool == null || candidates.size() < 2) {
            for (int i = 0; i < out.length; i++) out[i] = evaluate(candidates.get(i), windows);
            return out;
        }
        List<Future<Double>> futures = new ArrayList<>();
        for (RemovalCounts c : candidates) futures.add(pool.submit(() -> evaluate(c, windows)));
        try {
            for (int i = 0; i < out.length; i++) out[i] = futures.get(i).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
        return out;
    }

    /** Masks that zero the groups the counts remove (lowest-scored first). */
    public Masks masksOf(RemovalCounts counts) {
        KeepPlan plan = Selection.select(scores, counts);
        return Surgery.toMasks(dense.config(), plan);
    }

    /** A description of the fitness for the run folder. */
    public String describe() {
        return kind == Kind.PPL ? "ppl" : "kl (dense top-" + Math.min(topK, dense.config().vocabSize()) + " + rest)";
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
