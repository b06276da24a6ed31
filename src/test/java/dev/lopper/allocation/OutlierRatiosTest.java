package dev.lopper.allocation;

import dev.lopper.model.Pass;
import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.CalibrationData;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.Groups;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * OWL's outlier ratios against a computation written here from the layer inputs a forward hook
 * sees (‖x_j‖₂ over all calibration tokens, every |W_ij|·‖x_j‖ of the layer's seven weights, the
 * share above M times their mean), and OWL's rates against the closed form.
 */
class OutlierRatiosTest {

    /** ‖x_j‖₂ per (layer, site) column over every row the hook sees, in double. */
    private static Map<String, double[]> squaredNorms(Transformer t, CalibrationData data) {
        Map<String, double[]> sq = new HashMap<>();
        for (int w = 0; w < data.windows(); w++) {
            t.loss(data.window(w), 1, data.length(), Pass.hooked((layer, site, x, rows, cols) -> {
                double[] s = sq.computeIfAbsent(layer + " " + site, k -> new double[cols]);
                for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) s[c] += (double) x[r * cols + c] * x[r * cols + c];
            }));
        }
        return sq;
    }

    private static double[] handRatios(LlamaModel model, Map<String, double[]> sq, double m) {
        int layers = model.config().numLayers();
        double[] out = new double[layers];
        for (int l = 0; l < layers; l++) {
            LayerWeights w = model.layer(l);
            List<Matrix> mats = List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.gate(), w.up(), w.down());
            List<Site> sites = List.of(Site.ATTN_IN, Site.ATTN_IN, Site.ATTN_IN, Site.O_IN, Site.MLP_IN, Site.MLP_IN, Site.DOWN_IN);
            List<Double> scores = new java.util.ArrayList<>();
            for (int i = 0; i < mats.size(); i++) {
                float[] v = mats.get(i).toFloats();
                double[] s = sq.get(l + " " + sites.get(i));
                int cols = mats.get(i).cols();
                for (int k = 0; k < v.length; k++) scores.add(Math.abs(v[k]) * Math.sqrt(s[k % cols]));
            }
            double mean = scores.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            out[l] = scores.stream().filter(x -> x > m * mean).count() / (double) scores.size();
        }
        return out;
    }

    @Test
    void ratiosAreTheShareOfWandaScoresAboveMTimesTheirMean() {
        LlamaModel model = TestModels.uneven(4, false, false, DType.F32);
        Transformer t = new Transformer(model);
        CalibrationData data = CalibrationData.random(TestModels.tokens(2, 500, model.config().vocabSize()), 5, 9, 3);
        ActivationStats act = ActivationStats.collect(t, data, 2, EnumSet.allOf(Site.class), ProgressListener.NONE);
        Map<String, double[]> sq = squaredNorms(t, data);
        int nonZero = 0;
        for (double m : new double[] {0.5, 1, 2, OutlierRatios.DEFAULT_M}) {
            double[] want = handRatios(model, sq, m), got = OutlierRatios.compute(model, act, m);
            assertArrayEquals(want, got, 1e-12, "M = " + m);
            for (double v : want) if (v > 0 && v < 1) nonZero++;
        }
        assertTrue(nonZero >= 4, "ratios strictly between 0 and 1 in " + nonZero + " cases");
        // planted outliers: one huge weight in layer 1's down_proj raises only that layer's ratio
        LlamaModel planted = TestModels.uneven(4, false, false, DType.F32);
        float[] down = planted.layer(1).down().heapArray();
        for (int i = 0; i < down.length; i += 7) down[i] *= 40;
        double[] before = OutlierRatios.compute(model, act, OutlierRatios.DEFAULT_M);
        double[] after = OutlierRatios.compute(planted, act, OutlierRatios.DEFAULT_M);
        assertEquals(before[0], after[0], 0);
        assertTrue(after[1] > before[1], before[1] + " -> " + after[1]);
    }

    /**
     * rate_l = c − 2λ·(D_l − min D)/(max D − min D), c such that Σ rate_l·P_l = goal (P_l the
     * layer's prunable parameters); by hand for a 16-layer configuration.
     */
    @Test
    void owlRatesAreTheClosedForm() {
        ModelConfig c = AllocationFixtures.config(false);
        double[] d = new double[16];
        for (int l = 0; l < 16; l++) d[l] = 0.01 + 0.003 * ((l * 7) % 11);
        double lambda = 0.05;
        Target t = Target.of(0.25, c);
        double min = java.util.Arrays.stream(d).min().orElseThrow(), max = java.util.Arrays.stream(d).max().orElseThrow();
        double weighted = 0, total = 0;
        for (int l = 0; l < 16; l++) {
            double p = Groups.attentionParameters(c, l) + Groups.mlpParameters(c, l);
            weighted += p * 2 * lambda * (d[l] - min) / (max - min);
            total += p;
        }
        double shift = (0.25 * Groups.total(c) + weighted) / total;
        double[] rates = new OwlAllocator(d, lambda).rates(c, t);
        for (int l = 0; l < 16; l++)
            assertEquals(shift - 2 * lambda * (d[l] - min) / (max - min), rates[l], 1e-12, "layer " + l);
    }
}
