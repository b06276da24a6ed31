package dev.lopper.recovery;

import dev.lopper.BadInputException;
import dev.lopper.calib.CalibrationData;
import dev.lopper.model.CausalLM;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.model.Pass;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ProgressListener;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training-free reconstruction: after the kept set is chosen, the consumers of the pruned groups
 * (o_proj's kept input columns for attention groups, down_proj's for MLP channels, and their
 * biases where the pruned model has them) are re-fitted by ridge least squares so that each
 * reproduces the dense layer's output on calibration tokens ({@link LeastSquares}). Layers go one
 * at a time, first to last, o_proj before down_proj; only one consumer's {@link Moments} are in
 * memory at once, and the calibration windows stream through the model up to that layer.
 *
 * <ul>
 *   <li>{@link Mode#ONE_SHOT}: every consumer's inputs come from the dense model.</li>
 *   <li>{@link Mode#SEQUENTIAL}: the inputs come from the pruned model with every consumer before
 *   this one already re-fitted, the targets from the dense model (as in ZipLM, SlimGPT and
 *   Týr-the-Pruner), so the fit also undoes the drift that pruning below caused; every consumer is
 *   re-fitted, those of unpruned layers too.</li>
 * </ul>
 */
public final class Reconstruction {
    private Reconstruction() {}

    /** Where a consumer's inputs come from. */
    public enum Mode {
        ONE_SHOT("one-shot"), SEQUENTIAL("sequential");

        private final String label;

        Mode(String label) { this.label = label; }

        public String label() { return label; }

        /** The spelling users type (util/Choices reads it). */
        @Override
        public String toString() { return label; }
    }

    /**
     * @param mode  where the inputs come from
     * @param ridge λ as a fraction of the mean diagonal of the kept inputs' Gram
     * @param batch windows per forward call
     */
    public record Options(Mode mode, double ridge, int batch) {
        /**
         * Chosen by measurement (docs/results/recovery.md, bench/recovery-select.py): stories260K-hf at 50%
         * with --method flap, validation perplexity on the last 20% of calib.txt: one-shot 40.24 / 40.25 /
         * 40.78 / 48.40 at ridge 0.001 / 0.01 / 0.1 / 1, sequential 47.33 / 47.24 / 47.73 (73.46 unrecovered).
         */
        public static final double DEFAULT_RIDGE = 1e-2;
        public static final Mode DEFAULT_MODE = Mode.ONE_SHOT;

        public Options {
            if (!(ridge >= 0) || Double.isInfinite(ridge)) throw new BadInputException("--ridge must be a number ≥ 0, not " + ridge);
            if (batch < 1) throw new IllegalArgumentException("batch must be positive, not " + batch);
        }
    }

    /**
     * One consumer re-fitted.
     *
     * @param module   o_proj or down_proj
     * @param kept     kept input columns re-fitted
     * @param inputs   the dense consumer's input columns
     * @param bias     whether its bias was re-fitted
     * @param lambda   the ridge term λ used
     * @param errorBefore relative output error ‖T·x − W x̃‖²/‖T·x‖² on the calibration tokens before the fit
     * @param errorAfter  the same after it
     */
    public record Fit(int layer, String module, int kept, int inputs, boolean bias, double lambda,
                      double errorBefore, double errorAfter) {}

    /** The re-fitted model (same shapes as the pruned one) and what was fitted. */
    public record Result(LlamaModel model, List<Fit> fits, long tokens) {}

    /**
     * Re-fits the consumers of {@code pruned} (cut from {@code dense} by {@code plan}) on the
     * calibration windows.
     */
    public static Result run(LlamaModel dense, LlamaModel pruned, KeepPlan plan, CalibrationData data, Options o,
                             ProgressListener progress) {
        Shapes.check(dense, pruned, plan);
        CausalLM denseLm = CausalLM.of(dense);
        LlamaModel current = pruned;
        List<Fit> fits = new ArrayList<>();
        int layers = dense.config().numLayers(), done = 0;
        for (int l = 0; l < layers; l++) {
            for (GroupKind kind : GroupKind.values()) {
                progress.update(done++, 2L * layers, "reconstruction");
                LayerShape s = dense.config().layer(l);
                if (GroupAxis.groups(kind, s) == 0) continue;
                int[] keptCols = GroupAxis.output(kind, s).indices(kind == GroupKind.ATTENTION
                        ? plan.keptKvHeads()[l] : plan.keptChannels()[l]);
                Param wp = kind.output(), bp = biasOf(kind);
                Matrix wd = wp.of(dense, l), bd = bp.of(dense, l);
                Matrix wc = wp.of(current, l), bc = bp.of(current, l);
                int in = wd.cols();
                boolean freeBias = bc != null;
                if (keptCols.length == 0 && !freeBias) continue;
                if (o.mode() == Mode.ONE_SHOT && keptCols.length == in) continue;    // nothing removed: exact already
                Moments mo = new Moments(in, keptCols, freeBias, new int[0], o.mode() == Mode.SEQUENTIAL);
                double[] target = target(wd, bd), free = currentFree(wc, bc);
                double targetSq = accumulate(denseLm, o.mode() == Mode.SEQUENTIAL ? CausalLM.of(current) : null, l,
                        kind, keptCols, data, o.batch(), mo, target);
                String what = "layer " + l + " " + (kind == GroupKind.ATTENTION ? "o_proj" : "down_proj");
                double[] fitted = LeastSquares.solve(target, free, new double[0], mo, o.ridge(), what);
                double before = LeastSquares.residual(target, free, mo, targetSq) / targetSq;
                double after = LeastSquares.residual(target, fitted, mo, targetSq) / targetSq;
                current = replace(current, l, wp, bp, fitted, wc, bc);
                fits.add(new Fit(l, kind == GroupKind.ATTENTION ? "o_proj" : "down_proj", keptCols.length, in,
                        freeBias, LeastSquares.lambda(mo, o.ridge()), before, after));
            }
        }
        progress.update(2L * layers, 2L * layers, "reconstruction");
        return new Result(current, fits, (long) data.windows() * data.length());
    }

    static Param biasOf(GroupKind kind) {
        return kind == GroupKind.ATTENTION ? Param.BO : Param.BDOWN;
    }

    /**
     * Streams the windows through the model(s) up to layer l and adds the consumer's inputs to the
     * moments; returns Σ_t ‖T·[x_t; 1]‖², the dense output's energy (for the relative errors).
     */
    private static double accumulate(CausalLM dense, CausalLM pruned, int l, GroupKind kind, int[] keptCols,
                                     CalibrationData data, int batch, Moments mo, double[] target) {
        ForwardHook.Site site = kind.outputSite();
        Capture cd = new Capture(l, site), cp = new Capture(l, site);
        int in = mo.inputs();
        double energy = 0;
        for (int from = 0; from < data.windows(); from += batch) {
            int count = Math.min(batch, data.windows() - from);
            int[] tokens = data.batch(from, count);
            dense.observe(tokens, count, data.length(), l + 1, Pass.hooked(cd));
            int rows = cd.rows;
            float[] xt = null;
            if (pruned != null) {
                pruned.observe(tokens, count, data.length(), l + 1, Pass.hooked(cp));
                xt = new float[rows * in];            // the pruned input in the dense column layout
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < keptCols.length; j++) xt[r * in + keptCols[j]] = cp.x[r * keptCols.length + j];
            }
            mo.add(cd.x, xt, rows);
            energy += LeastSquares.outputEnergy(target, cd.x, rows, in);
        }
        return energy;
    }

    /** [W, b] of the dense consumer, [out × (in+1)] (b = 0 when it has none). */
    static double[] target(Matrix w, Matrix b) {
        int out = w.rows(), in = w.cols();
        double[] t = new double[out * (in + 1)];
        float[] row = new float[in];
        float[] bias = b == null ? null : b.toFloats();
        for (int o = 0; o < out; o++) {
            w.readRow(o, row, 0);
            for (int i = 0; i < in; i++) t[o * (in + 1) + i] = row[i];
            t[o * (in + 1) + in] = bias == null ? 0 : bias[o];
        }
        return t;
    }

    /** The pruned consumer's kept columns and (when present) bias, [out × f]. */
    static double[] currentFree(Matrix w, Matrix b) {
        int out = w.rows(), k = w.cols(), f = k + (b == null ? 0 : 1);
        double[] c = new double[out * f];
        float[] row = new float[k];
        float[] bias = b == null ? null : b.toFloats();
        for (int o = 0; o < out; o++) {
            w.readRow(o, row, 0);
            for (int j = 0; j < k; j++) c[o * f + j] = row[j];
            if (bias != null) c[o * f + k] = bias[o];
        }
        return c;
    }

    /** The model with layer l's consumer weight (and bias) replaced by the fitted values, in their dtypes. */
    private static LlamaModel replace(LlamaModel m, int l, Param wp, Param bp, double[] fitted, Matrix wc, Matrix bc) {
        int out = wc.rows(), k = wc.cols(), f = k + (bc == null ? 0 : 1);
        float[] w = new float[out * k];
        float[] b = bc == null ? null : new float[out];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < k; j++) w[o * k + j] = (float) fitted[o * f + j];
            if (b != null) b[o] = (float) fitted[o * f + k];
        }
        Matrix nw = Matrix.fromFloats(w, out, k, wc.dtype());
        Matrix nb = bc == null ? null : Matrix.fromFloats(b, 1, out, bc.dtype());
        List<LayerWeights> layers = new ArrayList<>(m.layers());
        layers.set(l, LayerWeights.from(p -> p == wp ? nw : p == bp ? nb : p.of(m, l)));
        return m.withLayers(m.config(), layers);
    }

    /** Keeps a copy of one (layer, site)'s input from a forward pass. */
    private static final class Capture implements ForwardHook {
        private final int layer;
        private final Site site;
        float[] x;
        int rows;

        Capture(int layer, Site site) {
            this.layer = layer;
            this.site = site;
        }

        @Override
        public void onInput(int l, Site s, float[] in, int rows, int cols) {
            if (l != layer || s != site) return;
            x = java.util.Arrays.copyOf(in, rows * cols);
            this.rows = rows;
        }
    }

    /** The console summary of a reconstruction (lopper recover, and prune with --reconstruct): its settings, then a line per fit. */
    public static String summary(RecoveryRecord.Reconstructed c) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "reconstruction %s, ridge %s: %d windows of %d tokens, %.1f s, peak memory %.0f MB%n",
                c.mode(), c.ridge(), c.windows(), c.length(), c.run().seconds(), c.run().peakMemoryBytes() / 1e6));
        out.append("layer module     kept/inputs        λ        relative output error before -> after").append(System.lineSeparator());
        for (Fit f : c.fits()) out.append(format(f)).append(System.lineSeparator());
        return out.toString();
    }

    public static String format(Fit f) {
        return String.format(Locale.ROOT, "  %2d %-9s %5d/%-5d %s λ=%.3g  error %.4f -> %.4f", f.layer(), f.module(),
                f.kept(), f.inputs(), f.bias() ? "+bias" : "     ", f.lambda(), f.errorBefore(), f.errorAfter());
    }
}
