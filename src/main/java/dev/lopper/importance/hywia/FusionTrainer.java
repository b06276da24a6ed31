package dev.lopper.importance.hywia;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.model.CausalLM;
import dev.lopper.BadInputException;
import dev.lopper.calib.CalibrationData;
import dev.lopper.model.GroupKind;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Masks;
import dev.lopper.tensor.Gemm;
import dev.lopper.util.ProgressListener;
import dev.lopper.util.ZScores;

import java.util.Arrays;
import java.util.List;

/**
 * Learns HyWIA's {@link AttentionFusion} end to end — Lopper's design, docs/METHODS.md "HyWIA" step 4: the
 * calibration NLL of the model under soft masks m_G = σ((z_G − θ)/T), z the fused score
 * standardised within its unit ({@link ZScores#population}, σ with n: gradients flow through mean and σ), θ the
 * midpoint between the r-th and (r+1)-th lowest z of the unit (r its removal count; no gradient
 * through θ), T annealed geometrically (in units of the fused score's standard deviation); masks multiply head outputs and channel
 * activations ({@link Masks}). ∂L/∂m comes from the engine's backward (no weight gradient is
 * computed); the rest of the chain, m → s → α → (Q, K), is written out here and in
 * {@link AttentionFusion#addGradient}. Adam on the parameters, full batch over the fusion
 * windows, so a run is deterministic.
 */
public final class FusionTrainer {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    private final CausalLM transformer;
    private final HybridScores scores;
    private final int[] removals;
    private final CalibrationData windows;
    /** The first layer with a unit: below it the masks are all ones at every step. */
    private final int firstMasked;
    /** Per pass of {@link #WINDOWS_PER_PASS} windows: its tokens, and its hidden states entering {@link #firstMasked}. */
    private int[][] passTokens;
    private float[][] passStarts;
    /** Heap the backward may fill with kept activations (fixed at the first step), -1 before. */
    private long keepBytes = -1;

    /**
     * @param removals per unit of {@code scores} (same order), how many groups the allocation removes
     * @param windows  fusion windows, disjoint from the windows that produced the gradients
     */
    public FusionTrainer(CausalLM t, HybridScores scores, int[] removals, CalibrationData windows) {
        if (removals.length != scores.units().size())
            throw new IllegalArgumentException(removals.length + " removal counts for " + scores.units().size() + " units");
        this.transformer = t;
        this.scores = scores;
        this.removals = removals.clone();
        this.windows = windows;
        int first = t.config().numLayers();
        for (HybridScores.Unit u : scores.units()) first = Math.min(first, u.layer());
        this.firstMasked = scores.units().isEmpty() ? 0 : first;
    }

    /** The loss, its gradient with respect to the fusion parameters, and the thresholds used. */
    public record Step(double loss, double[] gradient, double[] thresholds, double[] alphaFine) {}

    /**
     * What learning produced. {@code hardLoss[j]} is the NLL on the fusion windows with hard masks
     * (the groups the blend would really remove) after {@code hardLossStep[j]} steps (0 = the start);
     * {@code fusion} holds the parameters of the check with the lowest one ({@code bestStep}).
     */
    public record Result(AttentionFusion fusion, double[] alphaFine, double[] loss, double[] temperature,
                         int[] hardLossStep, double[] hardLoss, int bestStep) {
        public double hardLossBefore() { return hardLoss[0]; }

        public double hardLossAfter() {
            for (int j = 0; j < hardLossStep.length; j++) if (hardLossStep[j] == bestStep) return hardLoss[j];
            throw new IllegalStateException("no check at step " + bestStep);
        }
    }

    /** Fusion windows per forward/backward call: memory holds the activations of this many only. */
    static final int WINDOWS_PER_PASS = 2;

    /** Hard-mask checks every this many steps (and after the last). */
    public static final int CHECK_EVERY = 5;

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
        double[] sigma = new double[n];
        for (int u = 0; u < n; u++) {
            HybridScores.Unit unit = units.get(u);
            alpha[u] = fusion.alphaFine(unit);
            fused[u] = new double[unit.groups()];
            HybridScores.blend(unit, alpha[u], fused[u]);
            // z in place, population σ. The soft masks read z, so a blend is judged by which groups it ranks
            // where, not by its spread (a blend of two rankings that disagree is less spread than either;
            // unstandardised, the loss would push α to 0 or 1 for that alone).
            sigma[u] = ZScores.population(fused[u]);
            if (thresholds == null) theta[u] = threshold(fused[u], removals[u]);
            soft[u] = new double[unit.groups()];
            for (int i = 0; i < soft[u].length; i++) soft[u][i] = sigmoid((fused[u][i] - theta[u]) / t);
            apply(masks, unit, soft[u]);
        }
        MaskGradients mg = backward(masks);
        double[] grad = new double[AttentionFusion.size()];
        for (int u = 0; u < n; u++) {
            HybridScores.Unit unit = units.get(u);
            if (Double.isInfinite(theta[u]) || sigma[u] == 0) continue;   // masks constant in α
            double[] g = maskGradient(mg, unit);
            double[] dz = standardisedDerivative(unit, fused[u], sigma[u]);
            double gAlpha = 0;
            for (int i = 0; i < g.length; i++) {
                double m = soft[u][i];
                gAlpha += g[i] * m * (1 - m) / t * dz[i];
            }
            fusion.addGradient(unit, gAlpha, grad);
        }
        return new Step(mg.loss, grad, theta, alpha);
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
        double nll = 0;
        long predicted = 0;
        for (CausalLM.Loss l : transformer.lossEach(passTokens(), windows.length(), perPass(masks, false),
                firstMasked, passStarts)) {
            nll += l.sumNll();
            predicted += l.predicted();
        }
        return nll / predicted;
    }

    /**
     * Adam over {@code options.steps()} annealed steps from the seeded initial parameters. Every
     * {@link #CHECK_EVERY} steps (and after the last) the blend is tried with hard masks on the
     * fusion windows; the parameters of the best check are kept (early stopping on the same
     * calibration windows, never on evaluation text).
     */
    public Result learn(FusionOptions options, long seed, ProgressListener progress) {
        AttentionFusion f = AttentionFusion.initial(seed);
        double[] p = f.params(), m = new double[p.length], v = new double[p.length];
        int steps = options.steps();
        double[] curve = new double[steps], temps = new double[steps];
        java.util.List<Integer> checkSteps = new java.util.ArrayList<>();
        java.util.List<Double> checks = new java.util.ArrayList<>();
        AttentionFusion best = f;
        progress.update(0, steps, String.format("hywia fusion | step 0/%d", steps));    // the ETA's clock starts here
        double bestLoss = hardLoss(alphas(f));
        int bestStep = 0;
        checkSteps.add(0);
        checks.add(bestLoss);
        for (int k = 0; k < steps; k++) {
            double t = options.temperature(k);
            Step s = evaluate(f, t, null);
            if (!Double.isFinite(s.loss()) || !allFinite(s.gradient()) || !allFinite(s.alphaFine()))
                throw new BadSettingException(Setting.FUSION_LEARNING_RATE, options.learningRate() + " is too high: the "
                        + "HyWIA fusion's calibration loss (" + s.loss() + ") or its gradient became NaN or infinite at "
                        + "step " + (k + 1) + " of " + steps + "; try a lower one");
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
            if ((k + 1) % CHECK_EVERY == 0 || k == steps - 1) {
                double[] alpha = alphas(f);
                if (!allFinite(alpha) || !allFinite(p))
                    throw new BadSettingException(Setting.FUSION_LEARNING_RATE, options.learningRate() + " is too high: the "
                            + "HyWIA fusion's parameters became NaN or infinite at step " + (k + 1) + "; try a lower one");
                double hard = hardLoss(alpha);
                if (!Double.isFinite(hard))
                    throw new BadInputException("HyWIA fusion: the calibration loss of the pruned model became " + hard
                            + " at step " + (k + 1));
                checkSteps.add(k + 1);
                checks.add(hard);
                if (hard < bestLoss) {
                    bestLoss = hard;
                    best = f;
                    bestStep = k + 1;
                }
            }
            progress.update(k + 1, steps, String.format("hywia fusion | step %d/%d loss %.4f T %.3g", k + 1, steps,
                    s.loss(), t));
        }
        return new Result(best, alphas(best), curve, temps, checkSteps.stream().mapToInt(Integer::intValue).toArray(),
                checks.stream().mapToDouble(Double::doubleValue).toArray(), bestStep);
    }

    /**
     * Rows of the activation each weight multiplies in a step: all {@code windows × length} rows when
     * every pass is on the GEMM's blocked path and the passes are stacked
     * ({@code Transformer.stacks}); otherwise one pass's rows.
     */
    public static int productRows(int windows, int length) {
        int full = Math.min(WINDOWS_PER_PASS, windows) * length, last = (windows - 1) % WINDOWS_PER_PASS * length + length;
        boolean stacked = Gemm.blockedRows(full) && Gemm.blockedRows(last);
        return stacked ? windows * length : full;
    }

    /** The first layer whose masks the fusion learns: passes start there ({@link CausalLM#prefix}). */
    public int firstMaskedLayer() { return firstMasked; }

    /**
     * FLOPs of {@link #learn}: per step a forward and a backward (≈ 2 forwards) of the fusion
     * windows from the first masked layer on, and the recomputation of the layers whose
     * activations do not fit in {@code keepBytes} ({@link dev.lopper.model.Transformer#firstKeptLayer}),
     * plus a forward per hard-mask check.
     */
    public static double flops(ModelConfig c, FusionOptions o, int windows, int length, int firstMasked, long keepBytes) {
        int keepFrom = dev.lopper.model.Transformer.firstKeptLayer(c, firstMasked, (long) windows * length, keepBytes);
        double perToken = 2.0 * c.vocabSize() * c.hiddenSize(), recomputed = 0;
        for (int l = firstMasked; l < c.numLayers(); l++) {
            double layer = 2.0 * c.layerParameters(c.layer(l)) + 2.0 * c.layer(l).qDim() * length;
            perToken += layer;
            if (l < keepFrom) recomputed += layer;
        }
        double tokens = (double) windows * length, forward = perToken * tokens;
        int checks = 1 + o.steps() / CHECK_EVERY + (o.steps() % CHECK_EVERY == 0 ? 0 : 1);
        return o.steps() * (2 * forward + recomputed * tokens) + checks * forward;
    }

    /** The heap the backward may fill with kept activations: fixed when first asked for ({@link #keepBudget}). */
    public long keepBytes() {
        if (keepBytes < 0) keepBytes = keepBudget();
        return keepBytes;
    }

    /** α_fine of every unit under these parameters. */
    public double[] alphas(AttentionFusion f) {
        return scores.units().stream().mapToDouble(f::alphaFine).toArray();
    }

    // ------------------------------------------------------------------ helpers

    /**
     * ∂z_i/∂α for z = standardised α·f̂ + (1−α)·ĉ: with d = f̂ − ĉ (= ∂s/∂α), d̄ its mean and
     * c = mean(z·(d − d̄)) (= ∂σ/∂α), ∂z_i/∂α = ((d_i − d̄) − z_i·c)/σ.
     */
    static double[] standardisedDerivative(HybridScores.Unit unit, double[] z, double sigma) {
        int n = z.length;
        double[] d = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            d[i] = unit.fineNorm()[i] - unit.coarseNorm()[i];
            mean += d[i];
        }
        mean /= n;
        double c = 0;
        for (int i = 0; i < n; i++) {
            d[i] -= mean;
            c += z[i] * d[i];
        }
        c /= n;
        for (int i = 0; i < n; i++) d[i] = (d[i] - z[i] * c) / sigma;
        return d;
    }

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

    /** Writes a unit's per-group mask values into the engine's masks. */
    private static void apply(Masks masks, HybridScores.Unit unit, double[] values) {
        float[] m = masks.values(unit.kind(), unit.layer());
        for (int i = 0; i < values.length; i++) m[i] = (float) values[i];
    }

    /** Mean NLL over all fusion windows and its gradients with respect to every group's mask, [kind][layer][group]. */
    private record MaskGradients(double loss, double[][][] grads) {}

    /**
     * Backward over the fusion windows {@link #WINDOWS_PER_PASS} at a time (so activations of only
     * that many windows are held), each pass's mask gradients (of its own mean NLL) weighted by its
     * share of the predicted tokens: the gradient of the mean NLL over all windows. The passes run
     * layer by layer together ({@link CausalLM#maskBackwardEach}: each weight is read twice per
     * step, not twice per pass) from the cached states entering the first masked layer (nothing
     * below it changes between steps); each pass's sums are those of a backward of it alone.
     */
    private MaskGradients backward(Masks masks) {
        int layers = transformer.config().numLayers();
        GroupKind[] kinds = GroupKind.values();
        double[][][] grads = new double[kinds.length][layers][];
        for (GroupKind k : kinds)
            for (int l = 0; l < layers; l++) grads[k.ordinal()][l] = new double[masks.values(k, l).length];
        long total = (long) windows.windows() * (windows.length() - 1);
        double nll = 0;
        Masks[] each = perPass(masks, true);
        CausalLM.Loss[] losses = transformer.maskBackwardEach(passTokens(), windows.length(), each, firstMasked, passStarts,
                keepBytes());
        for (int pass = 0; pass < losses.length; pass++) {
            CausalLM.Loss l = losses[pass];
            nll += l.sumNll();
            double w = (double) l.predicted() / total;
            for (GroupKind k : kinds) {
                for (int layer = 0; layer < layers; layer++) {
                    double[] sum = grads[k.ordinal()][layer], g = each[pass].gradients(k, layer);
                    for (int i = 0; i < sum.length; i++) sum[i] += w * g[i];
                }
            }
        }
        return new MaskGradients(nll / total, grads);
    }

    /**
     * Heap for activations kept from the forward to the backward (each layer kept is not
     * recomputed: up to ⅓ less arithmetic per step; the bits are the same): half of what the heap
     * can still hold after a collection (so calibration's garbage does not count as used), and
     * no more than the heap already committed plus a quarter of the machine's available memory
     * (growing the heap takes memory a shared machine may not have; using a heap already grown
     * takes none), or {@code -Dlopper.fusionKeepBytes=N}. Asked once per run, before hours of
     * fusion steps: the collection costs seconds.
     */
    static long keepBudget() {
        Long forced = Long.getLong("lopper.fusionKeepBytes");
        if (forced != null) return Math.max(0, forced);
        System.gc();
        Runtime r = Runtime.getRuntime();
        long live = r.totalMemory() - r.freeMemory();
        long budget = (r.maxMemory() - live) / 2;
        long available = dev.lopper.util.ProcessMemory.machineAvailable();
        if (available >= 0) budget = Math.min(budget, r.totalMemory() - live + available / 4);
        return Math.max(0, budget);
    }

    /** The passes' tokens, and on first use their hidden states entering the first masked layer. */
    private int[][] passTokens() {
        if (passTokens == null) {
            int passes = (windows.windows() + WINDOWS_PER_PASS - 1) / WINDOWS_PER_PASS;
            int[][] tokens = new int[passes][];
            float[][] starts = new float[passes][];
            for (int p = 0; p < passes; p++) {
                int first = p * WINDOWS_PER_PASS, count = Math.min(WINDOWS_PER_PASS, windows.windows() - first);
                tokens[p] = windows.batch(first, count);
                starts[p] = transformer.prefix(tokens[p], count, windows.length(), firstMasked);
            }
            passTokens = tokens;
            passStarts = starts;
        }
        return passTokens;
    }

    /** A copy of {@code masks}' values per pass (each pass's mask gradients are summed on their own). */
    private Masks[] perPass(Masks masks, boolean trackGradients) {
        ModelConfig c = transformer.config();
        Masks[] out = new Masks[passTokens().length];
        for (int p = 0; p < out.length; p++) {
            out[p] = Masks.ones(c, trackGradients);
            for (GroupKind k : GroupKind.values())
                for (int l = 0; l < c.numLayers(); l++) {
                    float[] src = masks.values(k, l);
                    System.arraycopy(src, 0, out[p].values(k, l), 0, src.length);
                }
        }
        return out;
    }

    /** ∂L/∂m per group of a unit. */
    private static double[] maskGradient(MaskGradients mg, HybridScores.Unit unit) {
        return mg.grads[unit.kind().ordinal()][unit.layer()].clone();
    }

    private static boolean allFinite(double[] a) {
        for (double x : a) if (!Double.isFinite(x)) return false;
        return true;
    }
}
