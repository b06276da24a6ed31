package dev.lopper.calib;

import dev.lopper.model.GroupKind;
import dev.lopper.model.Pass;
import dev.lopper.util.ProgressListener;
import dev.lopper.calib.GroupMembers.Member;
import dev.lopper.model.GradientSink;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-group Taylor scores against plain finite sums over the group's weights, with gradients
 * from a sink that keeps every gradient whole: a different code path from TaylorStats, which
 * reduces each gradient inside accept.
 */
class TaylorStatsTest {
    static final int WINDOWS = 4, LEN = 6;

    /** Keeps every gradient, keyed by tensor name. */
    static final class Keep implements GradientSink {
        final Map<String, float[]> grads = new HashMap<>();

        @Override public boolean wants(int layer, Param param) { return true; }

        @Override
        public void accept(int layer, Param param, Matrix weight, float[] grad) {
            grads.put(param.tensorName(layer), grad.clone());
        }

        float g(int layer, Member m) { return grads.get(m.param().tensorName(layer))[m.index()]; }
    }

    static LlamaModel model() {
        return TestModels.uneven(7, true, false, DType.F32);
    }

    static CalibrationData data(LlamaModel m) {
        return CalibrationData.random(TestModels.tokens(5, 300, m.config().vocabSize()), WINDOWS, LEN, 3);
    }

    static List<Member> members(LlamaModel m, int layer, GroupKind k, int group) {
        return k == GroupKind.ATTENTION ? GroupMembers.attention(m, layer, group) : GroupMembers.mlp(m, layer, group);
    }

    static int groups(LlamaModel m, int layer, GroupKind k) {
        return k == GroupKind.ATTENTION ? m.config().layer(layer).kvHeads() : m.config().layer(layer).intermediate();
    }

    static void assertRel(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(Math.abs(expected), 1e-9), what);
    }

    @Test
    void firstOrderVectorAndElementMatchPlainSumsOfWTimesG() {
        LlamaModel m = model();
        Transformer t = new Transformer(m);
        CalibrationData d = data(m);
        Keep keep = new Keep();
        t.backward(d.batch(0, WINDOWS), WINDOWS, LEN, Pass.plain().keepingActivations(), keep);
        TaylorStats stats = TaylorStats.collect(t, d, TaylorStats.Options.all(m.config()), ProgressListener.NONE);

        for (int l = 0; l < m.config().numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                double[] element = stats.element(l, k), vector = stats.vector(l, k);
                assertEquals(groups(m, l, k), element.length);
                for (int gIdx = 0; gIdx < element.length; gIdx++) {
                    double abs = 0, signed = 0;
                    for (Member x : members(m, l, k, gIdx)) {
                        double s = GroupMembers.weight(m, l, x) * keep.g(l, x);
                        abs += Math.abs(s);
                        signed += s;
                    }
                    String at = "layer " + l + " " + k + " group " + gIdx;
                    assertRel(abs, element[gIdx], 1e-5, at + " element");
                    assertEquals(Math.abs(signed), vector[gIdx], 1e-5 * abs, at + " vector");
                }
            }
        }
    }

    @Test
    void secondOrderMatchesAPerWindowComputation() {
        LlamaModel m = model();
        Transformer t = new Transformer(m);
        CalibrationData d = data(m);
        Keep[] perWindow = new Keep[WINDOWS];
        for (int i = 0; i < WINDOWS; i++) {
            perWindow[i] = new Keep();
            t.backward(d.window(i), 1, LEN, Pass.plain().keepingActivations(), perWindow[i]);
        }
        Keep full = new Keep();
        t.backward(d.batch(0, WINDOWS), WINDOWS, LEN, Pass.plain().keepingActivations(), full);

        TaylorStats.Options opts = TaylorStats.Options.all(m.config()).withSecondOrder(true);
        TaylorStats stats = TaylorStats.collect(t, d, opts, ProgressListener.NONE);
        TaylorStats chunked = TaylorStats.collect(t, d, opts.withLayersPerPass(1), ProgressListener.NONE);

        for (int l = 0; l < m.config().numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                double[] mix = stats.mix(l, k), element = stats.element(l, k);
                // Windows of 6 tokens: one window's GEMMs take the small-m path, which sums in another
                // order than the whole batch's, so equal to rounding (bits: the test below, longer windows).
                for (int i = 0; i < mix.length; i++)
                    assertRel(chunked.mix(l, k)[i], mix[i], 1e-5, "one backward per window, one layer per pass");
                for (int gIdx = 0; gIdx < mix.length; gIdx++) {
                    double expectMix = 0, expectElement = 0;
                    for (Member x : members(m, l, k, gIdx)) {
                        double w = GroupMembers.weight(m, l, x);
                        double g = 0, fisher = 0;
                        for (Keep one : perWindow) {
                            double gi = one.g(l, x);
                            g += gi / WINDOWS;
                            fisher += gi * gi / WINDOWS;
                        }
                        expectMix += Math.abs(w * g - 0.5 * w * fisher * w);
                        // the mean of per-window gradients is the full-batch gradient (equal lengths)
                        expectElement += Math.abs(w * full.g(l, x));
                    }
                    String at = "layer " + l + " " + k + " group " + gIdx;
                    assertRel(expectMix, mix[gIdx], 1e-5, at + " mix");
                    assertRel(expectElement, element[gIdx], 1e-4, at + " element from mean gradient");
                }
            }
        }
    }

    /**
     * The one-backward second order (per-window gradients reduced weight by weight) against the
     * per-window backwards that keep Σg and Σg² of every scored weight: the same bits, for windows
     * longer than the GEMMs' small-m cut (32 rows), on a model with biases (their per-window sums too).
     */
    @Test
    void secondOrderInOneBackwardGivesTheSameBitsAsOneBackwardPerWindow() {
        LlamaModel m = model();
        Transformer t = new Transformer(m);
        int len = 40, windows = 3;
        CalibrationData d = CalibrationData.random(TestModels.tokens(9, 400, m.config().vocabSize()), windows, len, 5);
        TaylorStats.Options opts = TaylorStats.Options.all(m.config()).withSecondOrder(true);
        TaylorStats oneBackward = TaylorStats.collect(t, d, opts, ProgressListener.NONE);
        TaylorStats perWindow = TaylorStats.collect(t, d, opts.withLayersPerPass(m.config().numLayers()), ProgressListener.NONE);
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                String at = "layer " + l + " " + k;
                assertArrayEquals(perWindow.mix(l, k), oneBackward.mix(l, k), 0.0, at + " mix");
                assertArrayEquals(perWindow.element(l, k), oneBackward.element(l, k), 0.0, at + " element");
                assertArrayEquals(perWindow.vector(l, k), oneBackward.vector(l, k), 0.0, at + " vector");
            }
        }
    }

    @Test
    void splittingWindowsOverSeveralBackwardsGivesTheSameFirstOrderScores() {
        LlamaModel m = model();
        Transformer t = new Transformer(m);
        CalibrationData d = data(m);
        TaylorStats.Options all = TaylorStats.Options.all(m.config());
        TaylorStats streaming = TaylorStats.collect(t, d, all, ProgressListener.NONE);
        // 3 + 1 windows: unequal batches must be weighted by their window counts
        TaylorStats split = TaylorStats.collect(t, d, all.withWindowsPerBackward(3).withLayersPerPass(1), ProgressListener.NONE);
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                double[] a = streaming.element(l, k), b = split.element(l, k);
                double[] va = streaming.vector(l, k), vb = split.vector(l, k);
                for (int i = 0; i < a.length; i++) {
                    assertRel(a[i], b[i], 1e-4, "layer " + l + " " + k + " group " + i + " element");
                    assertEquals(va[i], vb[i], 1e-4 * a[i], "layer " + l + " " + k + " group " + i + " vector");
                }
            }
        }
    }

    @Test
    void layerRangeAndModulesLimitWhatIsScoredAndComputed() {
        LlamaModel m = model();
        Transformer t = new Transformer(m);
        TaylorStats.Options only = new TaylorStats.Options(1, 2, false, true, false, 0);
        TaylorStats stats = TaylorStats.collect(t, data(m), only, ProgressListener.NONE);
        assertTrue(stats.scored(1, GroupKind.MLP));
        assertFalse(stats.scored(1, GroupKind.ATTENTION));
        assertFalse(stats.scored(0, GroupKind.MLP));
        assertThrows(IllegalStateException.class, () -> stats.element(0, GroupKind.MLP));
        assertThrows(IllegalStateException.class, () -> stats.mix(1, GroupKind.MLP), "first order has no mix");
        assertEquals(m.config().layer(1).intermediate(), stats.element(1, GroupKind.MLP).length);
        assertThrows(IllegalArgumentException.class,
                () -> TaylorStats.collect(t, data(m), new TaylorStats.Options(0, 9, true, true, false, 0), ProgressListener.NONE));
    }
}
