package dev.lopper.importance.hywia;

import dev.lopper.Setting;
import dev.lopper.calib.Statistic;
import dev.lopper.importance.Criterion;
import dev.lopper.importance.Scores;
import dev.lopper.importance.ScoringContext;
import dev.lopper.model.GroupKind;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * HyWIA — Lopper's design (docs/METHODS.md "HyWIA"): fine and coarse Taylor importance from one second-order
 * gradient pass, normalised within each (layer, module) and blended per (layer, module) by
 * {@link AttentionFusion}, whose parameters are learned end to end under soft masks
 * ({@link FusionTrainer}) or fixed (the ablations fine only, coarse only, fixed α).
 *
 * <p>It {@linkplain #readsCounts reads the allocation's counts} (the budget that sets each θ of the
 * learned fusion): without them (the first scoring of a run) {@link #score} gives the blend at the
 * fusion's starting point (the fixed α, or the seeded initial parameters), which is what a
 * score-dependent allocation (flap-global) sees; with them, the final blend, learned on the
 * context's held-out windows (disjoint from the gradient windows). Either way the scores carry
 * the {@link Fusion} as their {@link Scores#detail}.
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

    /** The learned fusion's windows; none when the blend is fixed. */
    @Override
    public HeldOut heldOut() {
        return options.learned() ? new HeldOut(options.samples(), options.length(),
                Setting.FUSION_SAMPLES.mention() + ", " + Setting.FUSION_LENGTH.mention()) : null;
    }

    @Override public boolean readsCounts() { return true; }

    /** The fine and coarse scores of every scored (layer, module), from the context's second-order statistics. */
    private HybridScores hybrid(ScoringContext context) {
        return HybridScores.of(context.model().config(), context.taylor(name(), true), options.normalisation());
    }

    /** The second scoring is the learned fusion. */
    @Override
    public String countsStage() { return "fusion"; }

    @Override
    public Scores score(ScoringContext context) {
        HybridScores h = hybrid(context);
        if (!context.hasCounts() || !options.learned()) return fused(h, startingAlpha(h), null, context);
        List<HybridScores.Unit> units = h.units();
        int[] attention = context.removeAttention(), mlp = context.removeMlp();
        int[] removals = new int[units.size()];
        for (int u = 0; u < removals.length; u++) {
            HybridScores.Unit unit = units.get(u);
            removals[u] = unit.kind() == GroupKind.ATTENTION ? attention[unit.layer()] : mlp[unit.layer()];
        }
        FusionTrainer trainer = new FusionTrainer(context.lm(), h, removals, context.heldOut());
        var config = context.model().config();
        int windows = context.heldOut().windows(), length = context.heldOut().length(), from = trainer.firstMaskedLayer();
        double flops = FusionTrainer.flops(config, options, windows, length, from, trainer.keepBytes());
        if (flops > NOTICE_FROM_FLOPS) {
            double gflops = dev.lopper.calib.CalibrationCost.measuredGflops(context.model(),
                    FusionTrainer.productRows(windows, length));
            int kept = config.numLayers()
                    - dev.lopper.model.Transformer.firstKeptLayer(config, from, (long) windows * length, trainer.keepBytes());
            context.progress().notice(String.format("hywia fusion: %d steps over %d windows of %d tokens, activations of "
                            + "%d of %d layers kept (%.0f TFLOP); at this machine's measured %.0f GFLOP/s about %s ("
                            + Setting.FUSION_STEPS.mention() + ", " + Setting.FUSION_SAMPLES.mention() + ")",
                    options.steps(), windows, length, kept, config.numLayers() - from, flops / 1e12, gflops,
                    dev.lopper.calib.CalibrationCost.duration(flops / (gflops * 1e9))));
        }
        FusionTrainer.Result r = trainer.learn(options, seed, context.progress());
        return fused(h, r.alphaFine(), r, context);
    }

    /** From this many FLOPs (minutes on a laptop) the learned fusion first prints its projected time. */
    static final double NOTICE_FROM_FLOPS = 5e13;

    private Scores fused(HybridScores h, double[] alphaFine, FusionTrainer.Result learning, ScoringContext context) {
        Scores s = h.fused(label(), alphaFine);
        int[] offsets = learning == null || context.heldOut() == null ? new int[0] : context.heldOut().offsets();
        return new Scores(s.criterion(), s.attention(), s.mlp(), new Fusion(options, h, alphaFine, learning, offsets));
    }

    private double[] startingAlpha(HybridScores h) {
        if (!options.learned()) {
            double[] a = new double[h.units().size()];
            Arrays.fill(a, options.fineWeight());
            return a;
        }
        AttentionFusion f = AttentionFusion.initial(seed);
        return h.units().stream().mapToDouble(f::alphaFine).toArray();
    }

    private String label() {
        return "hywia (" + options.modeName() + ", " + options.normalisation().name().toLowerCase() + "-normalised)";
    }

    /**
     * What the fusion decided: its settings, α per unit, the learning run (null when fixed or
     * before the allocation), and where each held-out window starts in the calibration token
     * stream (empty when nothing was learned).
     */
    public record Fusion(FusionOptions options, HybridScores hybrid, double[] alphaFine, FusionTrainer.Result learning,
                         int[] windowOffsets) implements Scores.Detail {
        /** α_fine of (layer, kind), or NaN when that unit was not scored. */
        public double alphaFine(int layer, GroupKind kind) {
            List<HybridScores.Unit> units = hybrid.units();
            for (int u = 0; u < units.size(); u++)
                if (units.get(u).layer() == layer && units.get(u).kind() == kind) return alphaFine[u];
            return Double.NaN;
        }
    }
}
