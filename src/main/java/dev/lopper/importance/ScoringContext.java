package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.model.CausalLM;
import dev.lopper.model.LlamaModel;
import dev.lopper.util.ProgressListener;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What every criterion scores from ({@link Criterion#score}): the model, the calibration windows,
 * the statistics of those windows (each computed the first time something asks for it, then kept),
 * windows held out from calibration when the criterion asked for them ({@link Criterion#heldOut}),
 * and, once the allocation has run, its removal counts (for a criterion that
 * {@linkplain Criterion#readsCounts reads them}).
 *
 * <p>A run builds one context, {@link #collect}s the statistics its criterion and allocation declared
 * at its calibration stage, scores, allocates, and, for a criterion that reads counts, scores again
 * with {@link #withCounts}: the copies share the statistics. Tests and tools that calibrated
 * themselves wrap their {@link Statistics} with {@link #of}.
 */
public final class ScoringContext {
    /** What a context and its {@link #withCounts} copies share: the inputs, and the statistics computed so far. */
    private static final class Shared {
        final LlamaModel model;
        final CausalLM lm;
        final Supplier<CalibrationData> windows, heldOut;
        final TaylorStats.Options taylorOptions;
        final int batch;
        final ProgressListener progress;
        ActivationStats activations;
        TaylorStats taylor;

        Shared(Builder b) {
            model = b.model;
            lm = b.lm != null ? b.lm : CausalLM.of(b.model);
            windows = b.windows;
            heldOut = b.heldOut;
            taylorOptions = b.taylorOptions;
            batch = b.batch;
            progress = b.progress;
            activations = b.statistics.activations();
            taylor = b.statistics.taylor();
        }
    }

    private final Shared shared;
    private final int[] removeAttention, removeMlp;

    private ScoringContext(Shared shared, int[] removeAttention, int[] removeMlp) {
        this.shared = shared;
        this.removeAttention = removeAttention;
        this.removeMlp = removeMlp;
    }

    /** A context over statistics already collected (no calibration windows: nothing more can be computed). */
    public static ScoringContext of(LlamaModel model, Statistics stats) {
        return builder(model).statistics(stats).build();
    }

    public static Builder builder(LlamaModel model) {
        return new Builder(model);
    }

    /** Builds a context by name; only the model is required. */
    public static final class Builder {
        private final LlamaModel model;
        private CausalLM lm;
        private Supplier<CalibrationData> windows, heldOut;
        private TaylorStats.Options taylorOptions;
        private int batch = 1;
        private ProgressListener progress = ProgressListener.NONE;
        private Statistics statistics = Statistics.NONE;

        private Builder(LlamaModel model) { this.model = model; }

        /** Statistics already collected (the context computes only what they lack, and only with calibration windows). */
        public Builder statistics(Statistics statistics) { this.statistics = statistics; return this; }

        /** The model as a CausalLM (default {@code CausalLM.of(model)}). */
        public Builder lm(CausalLM lm) { this.lm = lm; return this; }

        /**
         * The calibration windows statistics are computed from, asked for when the first statistic is
         * (a run whose criterion and allocation need none reads no calibration text).
         *
         * @param taylor which groups gradient statistics cover (null: all)
         * @param batch  windows per forward call for activation statistics
         */
        public Builder calibration(Supplier<CalibrationData> windows, TaylorStats.Options taylor, int batch) {
            this.windows = windows;
            this.taylorOptions = taylor;
            this.batch = batch;
            return this;
        }

        /** Windows disjoint from the calibration windows, as the criterion's {@link Criterion#heldOut} asked. */
        public Builder heldOut(Supplier<CalibrationData> heldOut) { this.heldOut = heldOut; return this; }

        public Builder progress(ProgressListener progress) { this.progress = progress; return this; }

        public ScoringContext build() { return new ScoringContext(new Shared(this), null, null); }
    }

    public LlamaModel model() { return shared.model; }

    /** The model as a CausalLM, for criteria that run it (HyWIA's fusion). */
    public CausalLM lm() { return shared.lm; }

    /** The calibration windows; null when the run calibrates nothing. */
    public CalibrationData windows() { return shared.windows == null ? null : shared.windows.get(); }

    /** The held-out windows the criterion asked for; null when it asked for none. */
    public CalibrationData heldOut() { return shared.heldOut == null ? null : shared.heldOut.get(); }

    public ProgressListener progress() { return shared.progress; }

    /**
     * Computes now, in one {@link Calibrator} call, those of {@code needs} not yet computed (a run
     * does this at its calibration stage, so that the stage's time and memory are counted there).
     * Gradient statistics are second order when {@code needs} holds {@link Statistic#FISHER}.
     */
    public void collect(Set<Statistic> needs) {
        Set<Statistic> missing = EnumSet.noneOf(Statistic.class);
        if (needs.contains(Statistic.ACTIVATIONS) && shared.activations == null) missing.add(Statistic.ACTIVATIONS);
        boolean fisher = needs.contains(Statistic.FISHER);
        if ((fisher || needs.contains(Statistic.GRADIENTS)) && !hasTaylor(fisher))
            missing.add(fisher ? Statistic.FISHER : Statistic.GRADIENTS);
        if (missing.isEmpty()) return;
        if (shared.windows == null)
            throw new IllegalStateException("no calibration windows to compute " + missing + " from");
        Statistics s = Calibrator.collect(shared.lm, shared.windows.get(), missing, shared.taylorOptions, shared.batch,
                shared.progress);
        if (s.activations() != null) shared.activations = s.activations();
        if (s.taylor() != null) shared.taylor = s.taylor();
    }

    private boolean hasTaylor(boolean secondOrder) {
        return shared.taylor != null && (!secondOrder || shared.taylor.options().secondOrder());
    }

    /** The activation statistics, computed on first use; {@code who} names the asker in the error when there are none. */
    public ActivationStats activations(String who) {
        if (shared.activations == null && shared.windows != null) collect(EnumSet.of(Statistic.ACTIVATIONS));
        return statistics().requireActivations(who);
    }

    /** The Taylor statistics (second order: with the diagonal Fisher), computed on first use. */
    public TaylorStats taylor(String who, boolean secondOrder) {
        if (!hasTaylor(secondOrder) && shared.windows != null)
            collect(EnumSet.of(secondOrder ? Statistic.FISHER : Statistic.GRADIENTS));
        return statistics().requireTaylor(who, secondOrder);
    }

    /** What has been computed so far. */
    public Statistics statistics() {
        return new Statistics(shared.activations, shared.taylor);
    }

    /** This context with the allocation's removals per layer (sharing the statistics computed so far). */
    public ScoringContext withCounts(int[] removeAttention, int[] removeMlp) {
        return new ScoringContext(shared, removeAttention.clone(), removeMlp.clone());
    }

    /** Whether the allocation's counts are known (the second scoring of a criterion that reads them). */
    public boolean hasCounts() { return removeAttention != null; }

    /** Per layer, the attention groups the allocation removes. */
    public int[] removeAttention() { return requireCounts(removeAttention).clone(); }

    /** Per layer, the MLP channels the allocation removes. */
    public int[] removeMlp() { return requireCounts(removeMlp).clone(); }

    private static int[] requireCounts(int[] counts) {
        if (counts == null) throw new IllegalStateException("the allocation's counts are not known yet");
        return counts;
    }
}
