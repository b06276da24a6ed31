package dev.lopper.calib;

import dev.lopper.model.Pass;
import dev.lopper.util.ProgressListener;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Batched statistics against a direct computation from every input row, collected one window at a time. */
class ActivationStatsTest {
    static final int WINDOWS = 5, LEN = 7;

    /** Keeps a copy of every input row, per layer and site. */
    static final class Rows implements ForwardHook {
        final Map<String, List<float[]>> rows = new HashMap<>();

        @Override
        public void onInput(int layer, Site site, float[] x, int n, int cols) {
            List<float[]> list = rows.computeIfAbsent(layer + " " + site, k -> new ArrayList<>());
            for (int r = 0; r < n; r++) {
                float[] row = new float[cols];
                System.arraycopy(x, r * cols, row, 0, cols);
                list.add(row);
            }
        }

        List<float[]> of(int layer, Site site) { return rows.get(layer + " " + site); }
    }

    static CalibrationData data(LlamaModel m) {
        return CalibrationData.random(TestModels.tokens(3, 200, m.config().vocabSize()), WINDOWS, LEN, 11);
    }

    static Rows rowsOneWindowAtATime(Transformer t, CalibrationData d) {
        Rows rows = new Rows();
        for (int i = 0; i < d.windows(); i++) t.loss(d.window(i), 1, d.length(), Pass.hooked(rows));
        return rows;
    }

    @Test
    void meanVarianceAndNormMatchADirectComputation() {
        LlamaModel m = TestModels.uneven(4, true, false, DType.BF16);
        Transformer t = new Transformer(m);
        CalibrationData d = data(m);
        ActivationStats stats = ActivationStats.collect(t, d, 2, EnumSet.allOf(Site.class), ProgressListener.NONE);
        Rows rows = rowsOneWindowAtATime(t, d);
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (Site s : Site.values()) {
                List<float[]> x = rows.of(l, s);
                int n = x.size(), cols = x.get(0).length;
                assertEquals(WINDOWS * LEN, n);
                assertEquals(n, stats.count(l, s));
                double[] mean = stats.mean(l, s), var = stats.variance(l, s), norm = stats.l2Norm(l, s);
                assertEquals(cols, mean.length);
                for (int c = 0; c < cols; c++) {
                    double sum = 0;
                    for (float[] row : x) sum += row[c];
                    double mu = sum / n;
                    double dev = 0, sq = 0;
                    for (float[] row : x) {
                        dev += (row[c] - mu) * (row[c] - mu);   // two-pass variance
                        sq += (double) row[c] * row[c];
                    }
                    String at = "layer " + l + " " + s + " column " + c;
                    assertEquals(mu, mean[c], 1e-6 * (1 + Math.abs(mu)), at + " mean");
                    assertEquals(dev / n, var[c], 1e-5 * (1e-3 + dev / n), at + " variance");
                    assertEquals(Math.sqrt(sq), norm[c], 1e-6 * Math.sqrt(sq), at + " norm");
                }
            }
        }
    }

    @Test
    void onlyRequestedSitesAreKept() {
        LlamaModel m = TestModels.uneven(4, false, false, DType.F32);
        ActivationStats stats = ActivationStats.collect(new Transformer(m), data(m), 3, EnumSet.of(Site.O_IN),
                ProgressListener.NONE);
        assertEquals(WINDOWS * LEN, stats.count(1, Site.O_IN));
        assertThrows(IllegalStateException.class, () -> stats.mean(0, Site.DOWN_IN));
    }
}
