package dev.lopper.importance;

import dev.lopper.BadInputException;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.GroupKind;
import dev.lopper.model.GradientSink;
import dev.lopper.model.Masks;
import dev.lopper.model.Param;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ProgressListener;

import java.util.Arrays;
import java.util.List;

/**
 * Learns HyWIA's {@link AttentionFusion} end to end — Lopper's design, METHODS.md step 4: the
 * calibration NLL of the model under soft masks m_G = σ((s_G − θ)/T), s the fused score, θ the
 * midpoint between the r-th and (r+1)-th lowest fused scores of the unit (r its removal count;
 * no gradient through θ), T annealed geometrically; masks multiply head outputs and channel
 * activations ({@link Masks}). ∂L/∂m comes from the engine's backward (no weight gradient is
 * computed); the rest of the chain, m → s → α → (Q, K), is written out here and in
 * {@link AttentionFusion#addGradient}. Adam on the parameters, full batch over the fusion
 * windows, so a run is deterministic.
 */
public final class FusionTrainer {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    /** Nothing but mask gradients: no weight gradient is computed. */
    private static final GradientSink NO_WEIGHTS = new GradientSink() {
        @Override public boolean wants(int layer, Param param) { return false; }

        @Override public void accept(int layer, Param param, Matrix weight, float[] grad) {
            throw new IllegalStateException("no weight gradient was asked for");
        }
    };

    private final Transformer transformer;
    private final HybridScores scores;
    private final int[] removals;
    private final CalibrationData windows;

    /**
     * @param removals per unit of {@code scores} (same order), how many groups the allocation removes
     * @param windows  fusion windows, disjoint from the windows that produced the gradients
     */
    public FusionTrainer(Transformer t, HybridScores scores, int[] removals, CalibrationData windows) {
        if (removals.length != scores.units().size())
            throw new IllegalArgumentException(removals.length + " removal counts for " + scores.units().size() + " units");
        this.transformer = t;
        this.scores = scores;
        this.removals = removals.clone();
        this.windows = windows;
    }

    /** The loss, its gradient with respect to the fusion parameters, and the thresholds used. */
    public record Step(double loss, double[] gradient, double[] thresholds, double[] alphaFine) {}

    /** What learning produced. */
    public record Result(AttentionFusion fusion, double[] alphaFine, double[] loss, double[] temperature,
                         double hardLossBefore, double hardLossAfter) {}

    /**
     * Mean NLL over the fusion windows under soft masks at temperature {@code t}, and its gradient.
     * With {@code thresholds} null, θ is computed from the fused scores; given, it is held fixed
     * (what the stop-gradient means; finite-difference checks pass the base point's θ).
     */
    public Step evaluate(AttentionFusion fusion, double t, double[] thresholds) {
        List<HybridScores.Unit> units = scores.units();
        int n = units.size();
        double[] alpha = new double[n], theta = thresholds == null ? new double[n] : thresholds.clone();
        double[][] fused = new double[n][], soft = new double[n][];
        Masks masks = Masks.ones(transformer.config(), true);
        for (int u = 0; u < n; u++) {
            HybridScores.Unit unit = units.get(u);
            alpha[u] = fusion.alphaFine(unit);
            fused[u] = new double[unit.groups()];
            HybridScores.blend(unit, alpha[u], fused[u]);
            if (thresholds == null) theta[u] = threshold(fused[u], removals[u]);
            soft[u] = new double[unit.groups()];
            for (int i = 0; i < soft[u].length; i++) soft[u][i] = sigmoid((fused[u][i] - theta[u]) / t);
            apply(masks, unit, soft[u]);
        }
        Transformer.Loss loss = transformer.backward(windows.batch(0, windows.windows()), windows.windows(),
                windows.length(), masks, NO_WEIGHTS, false);
        double[] grad = new double[AttentionFusion.size()];
        for (int u = 0; u < n; u++) {
            HybridScores.Unit unit = units.get(u);
            if (Double.isInfinite(theta[u])) continue;   // nothing or everything removed: masks constant
            double[] g = maskGradient(masks, unit);
            double gAlpha = 0;
            for (int i = 0; i < g.length; i++) {
                double m = soft[u][i];
                gAlpha += g[i] * m * (1 - m) / t * (unit.fineNorm()[i] - unit.coarseNorm()[i]);
            }
            fusion.addGradient(unit, gAlpha, grad);
        }
        return new Step(loss.mean(), grad, theta, alpha);
    }

    /** Mean NLL over the fusion windows with the r lowest fused groups of each unit masked to 0. */
    public double hardLoss(double[] alphaFine) {
        Masks masks = Masks.ones(transformer.config(), false);
        List<HybridScores.Unit> units = scores.units();
        for (int u = 0; u < units.size(); u++) {
            HybridScores.Unit unit = units.get(u);
            double[] s = new double[unit.groups()];
            HybridScores.blend(unit, alphaFine[u], s);
            double[] hard = new double[s.length];
            Arrays.fill(hard, 1);
            for (int i : lowest(s, removals[u])) hard[i] = 0;
            apply(masks, unit, hard);
        }
        return transformer.loss(windows.batch(0, windows.windows()), windows.windows(), windows.length(), masks, null)
                .mean();
    }

    /** Adam over {@code options.steps()} annealed steps from the seeded initial parameters. */
    public Result learn(FusionOptions options, long seed, ProgressListener progress) {
        AttentionFusion f = AttentionFusion.initial(seed);
        double[] p = f.params(), m = new double[p.length], v = new double[p.length];
        int steps = options.steps();
        double[] curve = new double[steps], temps = new double[steps];
        double before = hardLoss(alphas(f));
        for (int k = 0; k < steps; k++) {
            double t = options.temperature(k);
            Step s = evaluate(f, t, null);
            if (!Double.isFinite(s.loss()) || !allFinite(s.gradient()) || !allFinite(s.alphaFine()))
                throw new BadInputException("HyWIA fusion: the calibration loss became " + s.loss() + " at step "
                        + (k + 1) + " of " + steps + " (try a lower --fusion-lr than " + options.learningRate() + ")");
            curve[k] = s.loss();
            temps[k] = t;
            double[] g = s.gradient();
            double c1 = 1 - Math.pow(BETA1, k + 1), c2 = 1 - Math.pow(BETA2, k + 1);
            for (int i = 0; i < p.length; i++) {
                m[i] = BETA1 * m[i] + (1 - BETA1) * g[i];
                v[i] = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
                p[i] -= options.learningRate() * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS);
            }
            f = new AttentionFusion(p);
            progress.update(k + 1, steps, String.format("hywia fusion | step %d/%d loss %.4f T %.3g", k + 1, steps,
                    s.loss(), t));
        }
        double[] alpha = alphas(f);
        if (!allFinite(alpha) || !allFinite(p))
            throw new BadInputException("HyWIA fusion: the parameters became NaN or infinite after " + steps
                    + " steps (try a lower --fusion-lr than " + options.learningRate() + ")");
        double after = hardLoss(alpha);
        if (!Double.isFinite(after))
            throw new BadInputException("HyWIA fusion: the calibration loss of the pruned model became " + after);
        return new Result(f, alpha, curve, temps, before, after);
    }

    /** α_fine of every unit under these parameters. */
    public double[] alphas(AttentionFusion f) {
        return scores.units().stream().mapToDouble(f::alphaFine).toArray();
    }

    // ------------------------------------------------------------------ helpers

    /** Midpoint between the r-th and (r+1)-th lowest; −∞ when nothing is removed, +∞ when all are. */
    static double threshold(double[] s, int r) {
        if (r <= 0) return Double.NEGATIVE_INFINITY;
        if (r >= s.length) return Double.POSITIVE_INFINITY;
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        return 0.5 * (sorted[r - 1] + sorted[r]);
    }

    /** Indices of the r lowest values, ties to the lower index (as allocation's Selection). */
    static int[] lowest(double[] s, int r) {
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < s.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> s[a] != s[b] ? Double.compare(s[a], s[b]) : Integer.compare(a, b));
        int[] out = new int[Math.max(0, Math.min(r, s.length))];
        for (int i = 0; i < out.length; i++) out[i] = order[i];
        return out;
    }

    private static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** Writes a unit's per-group mask values into the engine's masks (an attention group's value to all its query heads). */
    private void apply(Masks masks, HybridScores.Unit unit, double[] values) {
        int l = unit.layer();
        if (unit.kind() == GroupKind.MLP) {
            for (int i = 0; i < values.length; i++) masks.channels[l][i] = (float) values[i];
        } else {
            int g = transformer.config().layer(l).groupSize();
            for (int j = 0; j < values.length; j++)
                Arrays.fill(masks.heads[l], j * g, (j + 1) * g, (float) values[j]);
        }
    }

    /** ∂L/∂m per group of a unit: an attention group's is the sum over its query heads. */
    private double[] maskGradient(Masks masks, HybridScores.Unit unit) {
        int l = unit.layer();
        if (unit.kind() == GroupKind.MLP) return masks.channelGrad[l].clone();
        int g = transformer.config().layer(l).groupSize();
        double[] out = new double[unit.groups()];
        for (int j = 0; j < out.length; j++)
            for (int h = j * g; h < (j + 1) * g; h++) out[j] += masks.headGrad[l][h];
        return out;
    }

    private static boolean allFinite(double[] a) {
        for (double x : a) if (!Double.isFinite(x)) return false;
        return true;
    }
}
