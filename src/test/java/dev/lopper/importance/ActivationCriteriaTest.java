package dev.lopper.importance;

import dev.lopper.recovery.BiasCompensation;
import dev.lopper.model.Pass;
import dev.lopper.util.ProgressListener;
import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.Statistics;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * wanda-sp and FLAP against an independent computation: the o_proj / down_proj inputs are
 * collected here with a plain hook and the formulas evaluated with plain loops.
 */
class ActivationCriteriaTest {
    static final int WINDOWS = 4, LEN = 8;

    /** Every row of the o_proj and down_proj inputs, per layer. */
    static final class Inputs implements ForwardHook {
        final Map<String, List<float[]>> rows = new HashMap<>();

        @Override
        public void onInput(int layer, Site site, float[] x, int n, int cols) {
            if (site != Site.O_IN && site != Site.DOWN_IN) return;
            List<float[]> list = rows.computeIfAbsent(layer + " " + site, k -> new ArrayList<>());
            for (int r = 0; r < n; r++) {
                float[] row = new float[cols];
                for (int c = 0; c < cols; c++) row[c] = x[r * cols + c];
                list.add(row);
            }
        }
    }

    final LlamaModel model = TestModels.uneven(5, true, false, DType.BF16);
    final Transformer t = new Transformer(model);
    final CalibrationData data =
            CalibrationData.random(TestModels.tokens(8, 500, model.config().vocabSize()), WINDOWS, LEN, 9);
    final Statistics stats = Calibrator.collect(t, data, Criteria.create("flap").needs(), null, 3, ProgressListener.NONE);
    final Inputs inputs = collect();

    private Inputs collect() {
        Inputs in = new Inputs();
        t.loss(data.batch(0, WINDOWS), WINDOWS, LEN, Pass.hooked(in));
        return in;
    }

    /** Per input column j: mean_i|W_ij|, Σ_i W_ij², ‖x_j‖₂, Var(x_j), mean(x_j); and W itself [out, in]. */
    record Columns(double[] meanAbsW, double[] sqW, double[] norm, double[] var, double[] mean, float[] w) {}

    /** Plain-loop per-column quantities of layer l's o_proj (attention) or down_proj input. */
    private Columns columns(int l, boolean attention) {
        List<float[]> x = inputs.rows.get(l + " " + (attention ? Site.O_IN : Site.DOWN_IN));
        float[] w = (attention ? model.layer(l).wo() : model.layer(l).down()).toFloats();
        int cols = x.get(0).length, out = model.config().hiddenSize(), n = x.size();
        assertEquals(out * cols, w.length);
        double[] meanAbsW = new double[cols], sqW = new double[cols], norm = new double[cols], var = new double[cols],
                mean = new double[cols];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < out; i++) {
                meanAbsW[j] += Math.abs(w[i * cols + j]) / out;
                sqW[j] += (double) w[i * cols + j] * w[i * cols + j];
            }
            for (float[] row : x) {
                norm[j] += (double) row[j] * row[j];
                mean[j] += row[j] / (double) n;
            }
            norm[j] = Math.sqrt(norm[j]);
            for (float[] row : x) var[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n;
        }
        return new Columns(meanAbsW, sqW, norm, var, mean, w);
    }

    @Test
    void wandaSpAndFlapMatchPlainLoops() {
        Scores wanda = Criteria.create("wanda-sp").score(ScoringContext.of(model, stats));
        Scores flap = Criteria.create("flap").score(ScoringContext.of(model, stats));
        for (int l = 0; l < model.config().numLayers(); l++) {
            LayerShape s = model.config().layer(l);
            Columns a = columns(l, true);
            int width = s.groupSize() * s.headDim();
            for (int j = 0; j < s.kvHeads(); j++) {
                double ew = 0, ef = 0;
                for (int col = j * width; col < (j + 1) * width; col++) {
                    ew += a.meanAbsW()[col] * a.norm()[col];
                    ef += a.var()[col] * a.sqW()[col];
                }
                assertEquals(ew, wanda.attention()[l][j], 1e-6 * ew, "wanda-sp layer " + l + " group " + j);
                assertEquals(ef, flap.attention()[l][j], 1e-5 * ef, "flap layer " + l + " group " + j);
            }
            Columns mlp = columns(l, false);
            for (int c = 0; c < s.intermediate(); c++) {
                double ew = mlp.meanAbsW()[c] * mlp.norm()[c], ef = mlp.var()[c] * mlp.sqW()[c];
                assertEquals(ew, wanda.mlp()[l][c], 1e-6 * ew, "wanda-sp layer " + l + " channel " + c);
                assertEquals(ef, flap.mlp()[l][c], 1e-5 * ef, "flap layer " + l + " channel " + c);
            }
        }
    }

    @Test
    void biasCompensationIsTheRemovedColumnsTimesTheirMeanInput() {
        KeepPlan plan = new KeepPlan(new int[][]{{1}, {0}}, new int[][]{{0, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 2, 3, 4, 5, 6}});
        KeepPlan comp = BiasCompensation.fromStats(plan, model, stats.activations());
        assertSame(plan.keptKvHeads(), comp.keptKvHeads());
        for (float v : comp.oBiasDelta()[1]) assertEquals(0f, v, "layer 1 removes no attention group: zero delta");
        int hidden = model.config().hiddenSize();
        // layer 0: kv head 0 removed → o_proj input columns 0..7 (2 query heads of dim 4)
        Columns a = columns(0, true);
        int qDim = model.config().layer(0).qDim();
        for (int r = 0; r < hidden; r++) {
            double expect = 0;
            for (int col = 0; col < 8; col++) expect += a.w()[r * qDim + col] * a.mean()[col];
            assertEquals(expect, comp.oBiasDelta()[0][r], 1e-5 * (1 + Math.abs(expect)), "o_proj delta row " + r);
        }
        Columns m0 = columns(0, false), m1 = columns(1, false);
        int f0 = model.config().layer(0).intermediate(), f1 = model.config().layer(1).intermediate();
        for (int r = 0; r < hidden; r++) {
            double e0 = m0.w()[r * f0 + 1] * m0.mean()[1] + m0.w()[r * f0 + 11] * m0.mean()[11];
            double e1 = m1.w()[r * f1] * m1.mean()[0];
            assertEquals(e0, comp.downBiasDelta()[0][r], 1e-5 * (1 + Math.abs(e0)));
            assertEquals(e1, comp.downBiasDelta()[1][r], 1e-5 * (1 + Math.abs(e1)));
        }
    }

    @Test
    void activationStatisticsComeFromTheSameForwardAsTheHook() {
        ActivationStats act = stats.activations();
        assertEquals((long) WINDOWS * LEN, act.count(0, Site.DOWN_IN));
        assertNull(stats.taylor(), "flap needs no gradients, so none were computed");
    }
}
