package dev.lopper.importance;

import dev.lopper.calib.CalibrationData;
import dev.lopper.model.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.CausalLM;
import dev.lopper.util.ProgressListener;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * HyWIA — Lopper's design (docs/METHODS.md "HyWIA"): fine and coarse Taylor importance from one second-order
 * gradient pass, normalised within each (layer, module) and blended per (layer, module) by
 * {@link AttentionFusion}, whose parameters are learned end to end under soft masks
 * ({@link FusionTrainer}) or fixed (the ablations fine only, coarse only, fixed α).
 *
 * <p>{@link #score} gives the blend at the fusion's starting point (the fixed α, or the seeded
 * initial parameters): that is what a score-dependent allocation (flap-global) sees. The final
 * scores come from {@link #fuse}, which needs the allocation's removal counts (the budget that
 * sets each θ) and fusion windows disjoint from the gradient windows.
 */
public final class HywiaCriterion implements Criterion {
    private final FusionOptions options;
    private final long seed;

    public HywiaCriterion(FusionOptions options, long seed) {
        this.options = options;
        this.seed = seed;
    }

    @Override public String name() { return "hywia"; }

    @Override public Set<Statistic> needs() { return EnumSet.of(Statistic.GRADIENTS, Statistic.FISHER); }

    public FusionOptions options() { return options; }

    public HybridScores hybrid(LlamaModel model, Statistics stats) {
        TaylorStats t = stats.requireTaylor(name(), true);
        return HybridScores.of(model.config(), t, options.normalisation());
    }

    @Override
    public Scores score(LlamaModel model, Statistics stats) {
        HybridScores h = hybrid(model, stats);
        return h.fused(label(), startingAlpha(h));
    }

    private double[] startingAlpha(HybridScores h) {
        if (!options.learned()) {
            double[] a = new double[h.units().size()];
            java.util.Arrays.fill(a, options.fineWeight());
            return a;
        }
        AttentionFusion f = AttentionFusion.initial(seed);
        return h.units().stream().mapToDouble(f::alphaFine).toArray();
    }

    private String label() {
        return "hywia (" + options.modeName() + ", " + options.normalisation().name().toLowerCase() + "-normalised)";
    }

    /** From this many FLOPs (minutes on a laptop) the learned fusion first prints its projected time. */
    static final double NOTICE_FROM_FLOPS = 5e13;

    /** What the fusion decided: the final scores, α per unit, and the learning run (null when fixed). */
    public record Fusion(Scores scores, HybridScores hybrid, double[] alphaFine, FusionTrainer.Result learning) {
        /** α_fine of (layer, kind), or NaN when that unit was not scored. */
        public double alphaFine(int layer, GroupKind kind) {
            List<HybridScores.Unit> units = hybrid.units();
            for (int u = 0; u < units.size(); u++)
                if (units.get(u).layer() == layer && units.get(u).kind() == kind) return alphaFine[u];
            return Double.NaN;
        }
    }

    /**
     * The final blend.
     *
     * @param removeAttention per layer, attention groups the allocation removes
     * @param removeMlp       per layer, MLP channels the allocation removes
     * @param fusionWindows   windows disjoint from the gradient windows; may be null when not learned
     */
    public Fusion fuse(LlamaModel model, CausalLM t, Statistics stats, int[] removeAttention, int[] removeMlp,
                       CalibrationData fusionWindows, ProgressListener progress) {
        HybridScores h = hybrid(model, stats);
        if (!options.learned()) {
            double[] a = startingAlpha(h);
            return new Fusion(h.fused(label(), a), h, a, null);
        }
        List<HybridScores.Unit> units = h.units();
        int[] removals = new int[units.size()];
        for (int u = 0; u < removals.length; u++) {
            HybridScores.Unit unit = units.get(u);
            removals[u] = unit.kind() == GroupKind.ATTENTION ? removeAttention[unit.layer()] : removeMlp[unit.layer()];
        }
        FusionTrainer trainer = new FusionTrainer(t, h, removals, fusionWindows);
        double flops = FusionTrainer.flops(model.config(), options, fusionWindows.windows(), fusionWindows.length(),
                trainer.firstMaskedLayer());
        if (flops > NOTICE_FROM_FLOPS) {
            double gflops = dev.lopper.calib.CalibrationCost.measuredGflops(model);
            progress.notice(String.format("hywia fusion: %d steps over %d windows of %d tokens (%.0f TFLOP); at this "
                            + "machine's measured %.0f GFLOP/s about %s (--fusion-steps, --fusion-samples)", options.steps(),
                    fusionWindows.windows(), fusionWindows.length(), flops / 1e12, gflops,
                    dev.lopper.calib.CalibrationCost.duration(flops / (gflops * 1e9))));
        }
        FusionTrainer.Result r = trainer.learn(options, seed, progress);
        return new Fusion(h.fused(label(), r.alphaFine()), h, r.alphaFine(), r);
    }
}
