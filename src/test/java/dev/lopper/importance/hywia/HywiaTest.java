package dev.lopper.importance.hywia;

import dev.lopper.importance.Criteria;
import dev.lopper.importance.Scores;
import dev.lopper.importance.ScoringContext;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.calib.CalibrationData;
import dev.lopper.model.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.calib.Calibrator;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.tensor.DType;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * HyWIA (Lopper's design): the fusion's hand-written chain rule against central finite
 * differences of the soft-mask loss; the ablations α = 1 and α = 0 against the fine-only and
 * coarse-only Taylor criteria; determinism of the learned fusion.
 */
class HywiaTest {

    /** 3 layers with GQA and different shapes, so units differ in depth, module and size. */
    static LlamaModel model() {
        List<LayerShape> shapes = List.of(new LayerShape(4, 2, 4, 12), new LayerShape(4, 4, 4, 9),
                new LayerShape(6, 3, 4, 10));
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(29).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).bosTokenId(1).eosTokenId(2)
                .build();
        return TestModels.random(c, 21, 0.5f, DType.F32);
    }

    static Statistics secondOrder(Transformer t) {
        CalibrationData grad = CalibrationData.random(TestModels.tokens(3, 400, t.config().vocabSize()), 4, 8, 1);
        return Calibrator.collect(t, grad, EnumSet.of(Statistic.GRADIENTS, Statistic.FISHER),
                TaylorStats.Options.all(t.config()), 4, ProgressListener.NONE);
    }

    static CalibrationData fusionWindows(ModelConfig c) {
        return CalibrationData.random(TestModels.tokens(9, 400, c.vocabSize()), 3, 8, 2);
    }

    /** Half of each module's groups (rounded down), per layer. */
    static RemovalCounts half(ModelConfig c) {
        int n = c.numLayers();
        int[] a = new int[n], m = new int[n];
        for (int l = 0; l < n; l++) {
            a[l] = c.layer(l).kvHeads() / 2;
            m[l] = c.layer(l).intermediate() / 2;
        }
        return new RemovalCounts(a, m);
    }

    static int[] perUnit(HybridScores h, RemovalCounts counts) {
        return h.units().stream().mapToInt(u -> u.kind() == GroupKind.ATTENTION
                ? counts.attention()[u.layer()] : counts.mlp()[u.layer()]).toArray();
    }

    /** Parameters with α well away from ½, so the sigmoid's slope varies between units. */
    static AttentionFusion someFusion() {
        double[] p = AttentionFusion.initial(5).params();
        for (int i = 0; i < p.length; i++) p[i] *= 1.5;
        return new AttentionFusion(p);
    }

    @Test
    void fusionGradientMatchesCentralFiniteDifferencesForEveryParameter() {
        for (FusionOptions.Normalisation norm : FusionOptions.Normalisation.values()) {
            LlamaModel m = model();
            Transformer t = new Transformer(m);
            HybridScores h = HybridScores.of(m.config(), secondOrder(t).taylor(), norm);
            FusionTrainer trainer = new FusionTrainer(t, h, perUnit(h, half(m.config())), fusionWindows(m.config()));
            double temperature = norm == FusionOptions.Normalisation.RANK ? 0.2 : 0.5;
            AttentionFusion f = someFusion();
            FusionTrainer.Step base = trainer.evaluate(f, temperature, null);
            double[] analytic = base.gradient();
            double[] p = f.params();
            int checked = 0;
            double largest = 0;
            for (int i = 0; i < p.length; i++) {
                double h1 = 0.02, d1 = difference(trainer, p, i, h1, temperature, base.thresholds());
                double d2 = difference(trainer, p, i, h1 / 2, temperature, base.thresholds());
                double fd = (4 * d2 - d1) / 3;   // Richardson: O(h⁴)
                largest = Math.max(largest, Math.abs(analytic[i]));
                // fp32 forward: an absolute floor for derivatives near zero, else 2% relative.
                assertEquals(fd, analytic[i], 2e-2 * Math.abs(fd) + 2e-4,
                        norm + ": parameter " + i + " analytic " + analytic[i] + " vs finite difference " + fd);
                checked++;
            }
            assertEquals(AttentionFusion.size(), checked);
            assertTrue(largest > 1e-2, norm + ": the loss must depend on the fusion (largest |gradient| " + largest + ")");
        }
    }

    private static double difference(FusionTrainer tr, double[] p, int i, double h, double t, double[] theta) {
        double[] plus = p.clone(), minus = p.clone();
        plus[i] += h;
        minus[i] -= h;
        double lp = tr.evaluate(new AttentionFusion(plus), t, theta).loss();
        double lm = tr.evaluate(new AttentionFusion(minus), t, theta).loss();
        return (lp - lm) / (2 * h);
    }

    @Test
    void alphaOneKeepsTheFineCriterionsGroupsAndAlphaZeroTheCoarseCriterions() {
        LlamaModel m = model();
        Transformer t = new Transformer(m);
        Statistics stats = secondOrder(t);
        RemovalCounts counts = half(m.config());
        KeepPlan fineOnly = Selection.select(
                Criteria.create("taylor-element", new Criteria.Options(0, true)).score(ScoringContext.of(m, stats)), counts);
        KeepPlan coarseOnly = Selection.select(Criteria.create("taylor-vector").score(ScoringContext.of(m, stats)), counts);
        assertFalse(same(fineOnly, coarseOnly), "the two criteria must disagree somewhere for this test to mean anything");
        ScoringContext withCounts = ScoringContext.of(m, stats).withCounts(counts.attention(), counts.mlp());
        for (FusionOptions.Normalisation norm : FusionOptions.Normalisation.values()) {
            FusionOptions o = FusionOptions.DEFAULT.toBuilder().normalisation(norm).build();
            for (FusionOptions.Blend spec : List.of(FusionOptions.Blend.fixed(1), FusionOptions.Blend.FINE)) {
                Scores fused = new HywiaCriterion(o.withBlend(spec), 0).score(withCounts);
                assertTrue(same(fineOnly, Selection.select(fused, counts)), norm + " " + spec);
            }
            for (FusionOptions.Blend spec : List.of(FusionOptions.Blend.fixed(0), FusionOptions.Blend.COARSE)) {
                Scores fused = new HywiaCriterion(o.withBlend(spec), 0).score(withCounts);
                assertTrue(same(coarseOnly, Selection.select(fused, counts)), norm + " " + spec);
            }
        }
    }

    @Test
    void theSameSeedLearnsTheSameKeptSetTwice() {
        LlamaModel m = model();
        RemovalCounts counts = half(m.config());
        FusionOptions o = FusionOptions.DEFAULT.toBuilder().steps(6).learningRate(0.2).build();
        KeepPlan[] plans = new KeepPlan[2];
        double[][] alphas = new double[2][];
        for (int run = 0; run < 2; run++) {
            Transformer t = new Transformer(m);
            Statistics stats = secondOrder(t);
            CalibrationData held = fusionWindows(m.config());
            ScoringContext context = ScoringContext.builder(m).lm(t).statistics(stats).heldOut(() -> held).build();
            Scores scores = new HywiaCriterion(o, 7).score(context.withCounts(counts.attention(), counts.mlp()));
            HywiaCriterion.Fusion fused = (HywiaCriterion.Fusion) scores.detail();
            plans[run] = Selection.select(scores, counts);
            alphas[run] = fused.alphaFine();
            assertEquals(6, fused.learning().loss().length);
        }
        assertTrue(same(plans[0], plans[1]));
        assertArrayEquals(alphas[0], alphas[1], 0.0, "same bits");
        // and learning moved α away from its starting point
        Transformer t = new Transformer(m);
        HybridScores h = HybridScores.of(m.config(), secondOrder(t).taylor(), o.normalisation());
        double[] start = h.units().stream().mapToDouble(AttentionFusion.initial(7)::alphaFine).toArray();
        double moved = 0;
        for (int u = 0; u < start.length; u++) moved = Math.max(moved, Math.abs(start[u] - alphas[0][u]));
        assertTrue(moved > 1e-3, "α did not move: " + moved);
    }

    @Test
    void normalisationsAndFeaturesAgainstHandComputedValues() {
        assertArrayEquals(new double[]{0.5, 1.5, 1.0}, HybridScores.byMean(new double[]{1, 3, 2}), 1e-15);
        assertArrayEquals(new double[]{0, 1, 0.5}, HybridScores.ranks(new double[]{1, 3, 2}), 1e-15);
        assertArrayEquals(new double[]{0.5, 0.5, 1, 0}, HybridScores.ranks(new double[]{2, 2, 5, 1}), 1e-15);   // ties share ranks 1 and 2
        assertEquals(1.0, HybridScores.spearman(new double[]{1, 2, 3}, new double[]{10, 20, 30}), 1e-15);
        assertEquals(-1.0, HybridScores.spearman(new double[]{1, 2, 3}, new double[]{3, 2, 1}), 1e-15);
        // x = {1, 1, 1, 5}: mean 2, population std √3, skew (3·(−1)³ + 3³)/4 / √3³ = 6/5.196; top 10% = 5 of 8
        double[] f = HybridScores.features(new double[]{1, 1, 1, 5}, true);
        assertArrayEquals(new double[]{1, 0, Math.log1p(Math.sqrt(3) / 2), 6 / Math.pow(3, 1.5) / 5, 5.0 / 8}, f, 1e-12);
        assertEquals(0.5 * (2 + 3), FusionTrainer.threshold(new double[]{3, 1, 2, 4}, 2), 0);
        assertEquals(Double.NEGATIVE_INFINITY, FusionTrainer.threshold(new double[]{3, 1}, 0));
    }

    private static boolean same(KeepPlan a, KeepPlan b) {
        for (int l = 0; l < a.layers(); l++) {
            if (!java.util.Arrays.equals(a.keptKvHeads()[l], b.keptKvHeads()[l])) return false;
            if (!java.util.Arrays.equals(a.keptChannels()[l], b.keptChannels()[l])) return false;
        }
        return true;
    }
}
