package dev.lopper.model;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LoRA adapters' A and B gradients from backward against central finite differences of the
 * loss (Richardson-extrapolated, as {@link GradientCheckTest}), on a small random GQA model with
 * uneven layers, adapters on all seven projections, with and without input dropout, for the
 * plain next-token loss and for an {@link Objective} with token weights and distillation.
 */
class AdapterGradientTest {
    private static final int SEQS = 2, LEN = 6;
    private static final List<Param> SEVEN = List.of(Param.Q, Param.K, Param.V, Param.O, Param.GATE, Param.UP, Param.DOWN);

    /** Adapters of rank 3 on every projection, A and B random (B is zero at LoRA's start, not here: both must get gradients). */
    record Set(List<Map<Param, Adapter>> byLayer, float dropout, long dropoutSeed) implements Adapters {
        static Set random(LlamaModel m, int rank, float alpha, float dropout, long seed) {
            Random rnd = new Random(seed);
            List<Map<Param, Adapter>> layers = new ArrayList<>();
            for (int l = 0; l < m.config().numLayers(); l++) {
                Map<Param, Adapter> map = new EnumMap<>(Param.class);
                for (Param p : SEVEN) {
                    Matrix w = p.of(m, l);
                    float[] a = new float[rank * w.cols()], b = new float[w.rows() * rank];
                    for (int i = 0; i < a.length; i++) a[i] = (float) (0.15 * rnd.nextGaussian());
                    for (int i = 0; i < b.length; i++) b[i] = (float) (0.15 * rnd.nextGaussian());
                    map.put(p, new Adapter(rank, w.cols(), w.rows(), alpha / rank, a, b));
                }
                layers.add(map);
            }
            return new Set(layers, dropout, 42);
        }

        @Override
        public Adapter on(int layer, Param p) { return byLayer.get(layer).get(p); }

        void zero() { byLayer.forEach(m -> m.values().forEach(Adapter::zeroGradients)); }
    }

    /** Wants no weight gradient, and fails if handed one. */
    static final GradientSink NONE = new GradientSink() {
        @Override
        public boolean wants(int layer, Param param) { return false; }

        @Override
        public void accept(int layer, Param param, Matrix weight, float[] grad) { fail("a base weight's gradient"); }
    };

    @Test
    void nextTokenLossWithoutDropout() {
        LlamaModel m = TestModels.uneven(1, true, false, DType.F32);
        check(m, Set.random(m, 3, 6f, 0f, 7), Objective.nextToken(), false);
    }

    @Test
    void nextTokenLossWithDropoutRecomputedActivations() {
        LlamaModel m = TestModels.uneven(2, false, true, DType.F32);
        check(m, Set.random(m, 2, 4f, 0.25f, 8), Objective.nextToken(), false);
        check(m, Set.random(m, 2, 4f, 0.25f, 8), Objective.nextToken(), true);
    }

    @Test
    void weightedTokensAndDistillation() {
        LlamaModel m = TestModels.uneven(3, true, false, DType.F32);
        int rows = SEQS * LEN, vocab = m.config().vocabSize();
        float[] weights = new float[rows];
        for (int r = 0; r < rows; r++) weights[r] = r % LEN >= 2 ? 1f : 0f;    // a "prompt" of two tokens left out
        float[] teacher = new float[rows * vocab];
        Random rnd = new Random(4);
        for (int i = 0; i < teacher.length; i++) teacher[i] = (float) (2 * rnd.nextGaussian());
        check(m, Set.random(m, 3, 6f, 0.1f, 9), new Objective(weights, teacher, 2f, 0.5f), false);
        check(m, Set.random(m, 3, 6f, 0f, 9), new Objective(null, teacher, 1f, 1f), false);
    }

    /** The weighted objective's loss: with all weights 1 and no distillation it is the plain mean NLL. */
    @Test
    void objectiveWithUnitWeightsIsTheNextTokenLoss() {
        LlamaModel m = TestModels.uneven(4, true, false, DType.F32);
        Transformer t = new Transformer(m);
        int[] tok = TestModels.tokens(9, SEQS * LEN, m.config().vocabSize());
        float[] ones = new float[SEQS * LEN];
        java.util.Arrays.fill(ones, 1f);
        double plain = t.loss(tok, SEQS, LEN, Pass.plain()).mean();
        double weighted = t.backward(tok, SEQS, LEN, Pass.plain(), NONE, new Objective(ones, null, 1f, 0f)).mean();
        assertEquals(plain, weighted, 1e-5);
    }

    private static double loss(Transformer t, int[] tok, Set ads, Objective obj) {
        double v = t.backward(tok, SEQS, LEN, Pass.plain().withAdapters(ads), NONE, obj).mean();
        ads.zero();
        return v;
    }

    private static void check(LlamaModel m, Set ads, Objective obj, boolean keep) {
        Transformer t = new Transformer(m);
        int[] tok = TestModels.tokens(9, SEQS * LEN, m.config().vocabSize());
        Pass pass = Pass.plain().withAdapters(ads);
        ads.zero();
        t.backward(tok, SEQS, LEN, keep ? pass.keepingActivations() : pass, NONE, obj);
        Map<Adapter, float[][]> grads = new java.util.IdentityHashMap<>();     // before finite differences reuse the adapters
        for (int l = 0; l < m.config().numLayers(); l++)
            for (Param p : SEVEN) grads.put(ads.on(l, p), new float[][] {ads.on(l, p).gradA.clone(), ads.on(l, p).gradB.clone()});
        int checked = 0;
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (Param p : SEVEN) {
                Adapter ad = ads.on(l, p);
                checked += compare(t, tok, ads, obj, ad.a, grads.get(ad)[0], "layer " + l + " " + p + " A");
                checked += compare(t, tok, ads, obj, ad.b, grads.get(ad)[1], "layer " + l + " " + p + " B");
            }
        }
        assertTrue(checked >= 14 * 5, "checked " + checked);
    }

    /** The three largest and two random entries of one gradient against finite differences. */
    private static int compare(Transformer t, int[] tok, Set ads, Objective obj, float[] w, float[] an, String what) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < an.length; i++) idx.add(i);
        idx.sort(Comparator.comparingDouble((Integer i) -> -Math.abs(an[i])));
        List<Integer> spots = new ArrayList<>(idx.subList(0, 3));
        Random rnd = new Random(what.hashCode());
        spots.add(rnd.nextInt(an.length));
        spots.add(rnd.nextInt(an.length));
        double largest = Math.abs(an[idx.get(0)]);
        for (int n = 0; n < spots.size(); n++) {
            int i = spots.get(n);
            java.util.function.Function<Float, Double> central = step -> {
                float old = w[i];
                w[i] = old + step;
                double up = loss(t, tok, ads, obj);
                w[i] = old - step;
                double down = loss(t, tok, ads, obj);
                w[i] = old;
                return (up - down) / (2 * step);
            };
            float h = 2e-2f;
            double fd = (4 * central.apply(h / 2) - central.apply(h)) / 3;
            double err = Math.abs(fd - an[i]);
            boolean ok = n < 3
                    ? err < 1e-3 * Math.max(Math.abs(fd), Math.abs(an[i])) || err < 2e-5
                    : err < 1e-3 * Math.max(Math.abs(fd), Math.abs(an[i])) || err < Math.max(2e-5, 1e-2 * largest);
            assertTrue(ok, what + "[" + i + "]: finite difference " + fd + " vs backward " + an[i]);
        }
        return spots.size();
    }
}
