package dev.lopper.recovery;

import dev.lopper.calib.CalibrationData;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.model.Pass;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The re-fit against an independent normal-equation solve written here (inputs captured with a
 * hook, Gram and cross terms summed per token, Gaussian elimination), in both modes, with and
 * without biases; that it lowers each consumer's output error against plain removal; and that
 * FLAP's bias compensation, now the bias-only case of the re-fit, gives its old results.
 */
class ReconstructionTest {
    private static final double RIDGE = 1e-3;
    private static final int WINDOWS = 6, LEN = 16;

    private static KeepPlan plan() {
        // Layer 0 loses kv head 0 and 5 of 12 channels; layer 1 keeps its one kv head and 4 of 7 channels.
        return new KeepPlan(new int[][]{{1}, {0}}, new int[][]{{0, 2, 3, 5, 7, 8, 10}, {1, 2, 4, 6}});
    }

    private static CalibrationData data(int vocab) {
        int[][] w = new int[WINDOWS][];
        for (int i = 0; i < WINDOWS; i++) w[i] = TestModels.tokens(100 + i, LEN, vocab);
        return CalibrationData.of(w);
    }

    @ParameterizedTest(name = "{0}, biases {1}")
    @CsvSource({"ONE_SHOT,false", "ONE_SHOT,true", "SEQUENTIAL,false", "SEQUENTIAL,true"})
    void refitEqualsTheNormalEquationsAndLowersTheOutputError(Reconstruction.Mode mode, boolean biases) {
        LlamaModel dense = TestModels.uneven(3, biases, false, DType.F32);
        KeepPlan plan = plan();
        LlamaModel pruned = Surgery.apply(dense, plan);
        CalibrationData data = data(dense.config().vocabSize());
        Reconstruction.Result r = Reconstruction.run(dense, pruned, plan, data,
                new Reconstruction.Options(mode, RIDGE, 2), ProgressListener.NONE);
        LlamaModel fitted = r.model();
        // What each consumer saw: dense inputs (targets, and one-shot inputs); in sequential mode the
        // fitted model's own inputs, which at (layer l, site) depend only on consumers fitted before it.
        Inputs denseIn = Inputs.of(dense, data), seenIn = mode == Reconstruction.Mode.ONE_SHOT ? denseIn : Inputs.of(fitted, data);
        int checked = 0;
        for (int l = 0; l < 2; l++) {
            for (GroupKind kind : GroupKind.values()) {
                int[] kept = GroupAxis.output(kind, dense.config().layer(l)).indices(
                        kind == GroupKind.ATTENTION ? plan.keptKvHeads()[l] : plan.keptChannels()[l]);
                Param wp = kind.output(), bp = kind == GroupKind.ATTENTION ? Param.BO : Param.BDOWN;
                Matrix w = wp.of(dense, l), b = bp.of(dense, l);
                double[][] x = denseIn.get(l, kind);
                double[][] xs = mode == Reconstruction.Mode.ONE_SHOT ? x : spread(seenIn.get(l, kind), kept, w.cols());
                boolean pruned0 = kept.length < w.cols();
                double[][] start = weights(wp.of(pruned, l), bp.of(pruned, l));
                double[][] after = weights(wp.of(fitted, l), bp.of(fitted, l));
                if (mode == Reconstruction.Mode.ONE_SHOT && !pruned0) {
                    for (int o = 0; o < start.length; o++) assertArrayEquals(start[o], after[o], 0, "unpruned consumer untouched");
                    continue;
                }
                double[][] expect = normalEquations(w, b, x, xs, kept, start);
                double scale = 0;
                for (double[] row : expect) for (double v : row) scale = Math.max(scale, Math.abs(v));
                for (int o = 0; o < expect.length; o++)
                    for (int j = 0; j < expect[o].length; j++)
                        assertEquals(expect[o][j], after[o][j], 2e-5 * scale, mode + " layer " + l + " " + kind + " [" + o + "," + j + "]");
                double removal = error(w, b, x, xs, kept, start), refit = error(w, b, x, xs, kept, after);
                assertTrue(refit < removal, "layer " + l + " " + kind + ": error " + refit + " not below plain removal's " + removal);
                int layer = l;
                Reconstruction.Fit fit = r.fits().stream().filter(f -> f.layer() == layer && f.module().equals(
                        kind == GroupKind.ATTENTION ? "o_proj" : "down_proj")).findFirst().orElseThrow();
                double energy = energy(w, b, x);
                assertEquals(removal / energy, fit.errorBefore(), 1e-6, "reported error before");
                assertEquals(refit / energy, fit.errorAfter(), 1e-6, "reported error after");
                checked++;
            }
        }
        assertEquals(mode == Reconstruction.Mode.ONE_SHOT ? 3 : 4, checked);
    }

    /** W'_F = (C + λ W_F0)(H + λI)⁻¹ with H = Σ v vᵀ, C = Σ y vᵀ, v = [x̃_K; 1 if bias], y the dense output. */
    private static double[][] normalEquations(Matrix w, Matrix b, double[][] x, double[][] xs, int[] kept, double[][] start) {
        int out = w.rows(), f = start[0].length;
        boolean bias = f > kept.length;
        double[][] h = new double[f][f], c = new double[out][f];
        for (int t = 0; t < x.length; t++) {
            double[] v = free(xs[t], kept, bias);
            double[] y = output(w, b, x[t]);
            for (int a = 0; a < f; a++) {
                for (int bb = 0; bb < f; bb++) h[a][bb] += v[a] * v[bb];
                for (int o = 0; o < out; o++) c[o][a] += y[o] * v[a];
            }
        }
        double lambda = 0;
        for (int a = 0; a < f; a++) lambda += h[a][a];
        lambda *= RIDGE / f;
        double[][] result = new double[out][];
        for (int o = 0; o < out; o++) {
            double[][] a = new double[f][f + 1];
            for (int i = 0; i < f; i++) {
                for (int j = 0; j < f; j++) a[i][j] = h[i][j] + (i == j ? lambda : 0);
                a[i][f] = c[o][i] + lambda * start[o][i];
            }
            result[o] = gauss(a);
        }
        return result;
    }

    /** Solves [A | b] by Gaussian elimination with partial pivoting. */
    private static double[] gauss(double[][] a) {
        int n = a.length;
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[p][col])) p = r;
            double[] tmp = a[col]; a[col] = a[p]; a[p] = tmp;
            for (int r = col + 1; r < n; r++) {
                double m = a[r][col] / a[col][col];
                for (int k = col; k <= n; k++) a[r][k] -= m * a[col][k];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = a[r][n];
            for (int k = r + 1; k < n; k++) s -= a[r][k] * x[k];
            x[r] = s / a[r][r];
        }
        return x;
    }

    private static double[] free(double[] x, int[] kept, boolean bias) {
        double[] v = new double[kept.length + (bias ? 1 : 0)];
        for (int j = 0; j < kept.length; j++) v[j] = x[kept[j]];
        if (bias) v[kept.length] = 1;
        return v;
    }

    private static double[] output(Matrix w, Matrix b, double[] x) {
        double[] y = new double[w.rows()];
        for (int o = 0; o < w.rows(); o++) {
            double s = b == null ? 0 : b.get(0, o);
            for (int i = 0; i < w.cols(); i++) s += w.get(o, i) * x[i];
            y[o] = s;
        }
        return y;
    }

    /** Σ_t ‖y_t − W' v_t‖². */
    private static double error(Matrix w, Matrix b, double[][] x, double[][] xs, int[] kept, double[][] wf) {
        double e = 0;
        boolean bias = wf[0].length > kept.length;
        for (int t = 0; t < x.length; t++) {
            double[] y = output(w, b, x[t]), v = free(xs[t], kept, bias);
            for (int o = 0; o < y.length; o++) {
                double p = 0;
                for (int j = 0; j < v.length; j++) p += wf[o][j] * v[j];
                e += (y[o] - p) * (y[o] - p);
            }
        }
        return e;
    }

    private static double energy(Matrix w, Matrix b, double[][] x) {
        double e = 0;
        for (double[] xt : x) for (double y : output(w, b, xt)) e += y * y;
        return e;
    }

    /** [out][kept (+ bias)] of a pruned consumer. */
    private static double[][] weights(Matrix w, Matrix b) {
        double[][] r = new double[w.rows()][w.cols() + (b == null ? 0 : 1)];
        for (int o = 0; o < w.rows(); o++) {
            for (int j = 0; j < w.cols(); j++) r[o][j] = w.get(o, j);
            if (b != null) r[o][w.cols()] = b.get(0, o);
        }
        return r;
    }

    /** Every token's o_proj and down_proj input per layer, in the dense column layout (removed columns 0). */
    private record Inputs(double[][][][] byLayerKind) {
        static Inputs of(LlamaModel m, CalibrationData data) {
            int layers = m.config().numLayers();
            double[][][][] all = new double[layers][2][][];
            int tokens = data.windows() * data.length();
            for (int l = 0; l < layers; l++)
                for (int k = 0; k < 2; k++) all[l][k] = new double[tokens][];
            int[] row = new int[1];
            ForwardHook hook = (layer, site, x, rows, cols) -> {
                int k = site == ForwardHook.Site.O_IN ? 0 : site == ForwardHook.Site.DOWN_IN ? 1 : -1;
                if (k < 0) return;
                for (int r = 0; r < rows; r++) {
                    double[] v = new double[cols];
                    for (int c = 0; c < cols; c++) v[c] = x[r * cols + c];
                    all[layer][k][row[0] + r] = v;
                }
            };
            for (int i = 0; i < data.windows(); i++) {
                new Transformer(m).logits(data.window(i), 1, data.length(), Pass.hooked(hook));
                row[0] += data.length();
            }
            return new Inputs(all);
        }

        double[][] get(int l, GroupKind kind) {
            return byLayerKind[l][kind == GroupKind.ATTENTION ? 0 : 1];
        }
    }

    /** The pruned model's inputs are in its kept-column layout; spread them over the dense layout. */
    static double[][] spread(double[][] xs, int[] kept, int in) {
        double[][] r = new double[xs.length][in];
        for (int t = 0; t < xs.length; t++) for (int j = 0; j < kept.length; j++) r[t][kept[j]] = xs[t][j];
        return r;
    }

    @Test
    void biasCompensationGivesItsOldResults() {
        for (boolean biases : new boolean[]{false, true}) {
            LlamaModel dense = TestModels.uneven(5, biases, false, DType.F32);
            KeepPlan plan = plan();
            java.util.Random rnd = new java.util.Random(9);
            float[][] oMeans = new float[2][], downMeans = new float[2][];
            for (int l = 0; l < 2; l++) {
                oMeans[l] = new float[dense.config().layer(l).qDim()];
                downMeans[l] = new float[dense.config().layer(l).intermediate()];
                for (int i = 0; i < oMeans[l].length; i++) oMeans[l][i] = (float) rnd.nextGaussian();
                for (int i = 0; i < downMeans[l].length; i++) downMeans[l][i] = (float) rnd.nextGaussian();
            }
            KeepPlan comp = BiasCompensation.withMeans(dense, plan, oMeans, downMeans);
            for (int l = 0; l < 2; l++) {
                boolean[] keptO = new boolean[oMeans[l].length], keptD = new boolean[downMeans[l].length];
                for (int q : GroupAxis.output(GroupKind.ATTENTION, dense.config().layer(l)).indices(plan.keptKvHeads()[l])) keptO[q] = true;
                for (int c : plan.keptChannels()[l]) keptD[c] = true;
                float[] oldO = oldDelta(dense.layer(l).wo(), keptO, oMeans[l]);
                float[] oldD = oldDelta(dense.layer(l).down(), keptD, downMeans[l]);
                if (!biases) {
                    // Same bits: the bias-only fit sums the same products in the same order.
                    assertArrayEquals(oldO, comp.oBiasDelta()[l], "o_proj delta, layer " + l);
                    assertArrayEquals(oldD, comp.downBiasDelta()[l], "down_proj delta, layer " + l);
                } else {
                    // With a bias the fit solves for b' = b + Δ and returns b' − b: within 1e-6 of Δ (relative to |b| + |Δ|).
                    for (int o = 0; o < oldO.length; o++) {
                        double tol = 1e-6 * (1 + Math.abs(dense.layer(l).bo().get(0, o)) + Math.abs(oldO[o]));
                        assertEquals(oldO[o], comp.oBiasDelta()[l][o], tol, "o_proj delta row " + o);
                    }
                    for (int o = 0; o < oldD.length; o++) {
                        double tol = 1e-6 * (1 + Math.abs(dense.layer(l).bDown().get(0, o)) + Math.abs(oldD[o]));
                        assertEquals(oldD[o], comp.downBiasDelta()[l][o], tol, "down_proj delta row " + o);
                    }
                }
            }
        }
    }

    /** The old surgery.BiasCompensation.delta, kept here as the reference: W[:,P]·mean(x_P), summed in double. */
    private static float[] oldDelta(Matrix w, boolean[] kept, float[] means) {
        float[] row = new float[w.cols()];
        float[] out = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            double s = 0;
            for (int p = 0; p < row.length; p++) if (!kept[p]) s += (double) row[p] * means[p];
            out[r] = (float) s;
        }
        return out;
    }

    @Test
    void sameBitsOnAnyThreadCount() {
        LlamaModel dense = TestModels.uneven(7, true, false, DType.F32);
        KeepPlan plan = plan();
        CalibrationData data = data(dense.config().vocabSize());
        float[][] runs = new float[2][];
        int[] threads = {1, 3};
        for (int i = 0; i < 2; i++) {
            dev.lopper.tensor.Parallel.configure(threads[i], 0);
            try {
                LlamaModel m = Reconstruction.run(dense, Surgery.apply(dense, plan), plan, data,
                        new Reconstruction.Options(Reconstruction.Mode.SEQUENTIAL, RIDGE, 2), ProgressListener.NONE).model();
                runs[i] = m.layer(0).down().toFloats();
            } finally {
                dev.lopper.tensor.Parallel.reset();
            }
        }
        assertArrayEquals(runs[0], runs[1]);
    }
}
