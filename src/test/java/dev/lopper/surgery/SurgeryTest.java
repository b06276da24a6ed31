package dev.lopper.surgery;

import dev.lopper.recovery.BiasCompensation;
import dev.lopper.model.Pass;
import dev.lopper.BadInputException;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.GroupKind;
import dev.lopper.model.Masks;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pruned model must compute exactly what the dense model computes with the removed groups
 * masked out; parameter counts must drop by the removed groups' sizes; bias compensation must
 * equal replacing the removed inputs by their means.
 */
class SurgeryTest {
    private static final int SEQS = 2, LEN = 7;

    /** Three layers with group sizes 2, 1 and 4 (GQA, MHA, GQA) and different widths. */
    static LlamaModel gqaModel(long seed, boolean biases, DType dtype) {
        List<LayerShape> shapes = List.of(new LayerShape(6, 3, 4, 10), new LayerShape(4, 4, 4, 9),
                new LayerShape(8, 2, 4, 13));
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(29).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).qkvBias(biases).oBias(biases).mlpBias(biases).downBias(biases)
                .bosTokenId(1).eosTokenId(2)
                .build();
        return TestModels.random(c, seed, 0.5f, dtype);
    }

    /** Removes a mix of groups in every layer, never all of a kind. */
    static KeepPlan mixedPlan() {
        return new KeepPlan(
                new int[][]{{0, 2}, {1, 3}, {1}},
                new int[][]{{1, 2, 5, 6, 9}, {0, 3, 4, 8}, {0, 1, 2, 4, 7, 8, 11, 12}});
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void prunedModelMatchesMaskedDenseModel(DType dtype) {
        for (boolean biases : new boolean[]{false, true}) {
            LlamaModel dense = gqaModel(11, biases, dtype);
            KeepPlan plan = mixedPlan();
            LlamaModel pruned = Surgery.apply(dense, plan);
            assertSameLogits(dense, Surgery.toMasks(dense.config(), plan), pruned);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void unevenTestModelMatchesToo(DType dtype) {
        LlamaModel dense = TestModels.uneven(4, true, true, dtype);
        KeepPlan plan = new KeepPlan(new int[][]{{1}, {0}}, new int[][]{{0, 3, 4, 7, 10}, {2, 3, 6}});
        assertSameLogits(dense, Surgery.toMasks(dense.config(), plan), Surgery.apply(dense, plan));
    }

    @Test
    void emptiedBlocksPassTheResidualThrough() {
        // Without biases an empty block adds nothing, in the masked and in the pruned model alike.
        LlamaModel dense = gqaModel(12, false, DType.F32);
        KeepPlan plan = new KeepPlan(new int[][]{{}, {0, 1, 2, 3}, {0}}, new int[][]{{3}, {}, {}});
        LlamaModel pruned = Surgery.apply(dense, plan);
        assertEquals(new LayerShape(0, 0, 4, 1), pruned.config().layer(0));
        assertEquals(new LayerShape(4, 4, 4, 0), pruned.config().layer(1));
        assertEquals(new LayerShape(4, 1, 4, 0), pruned.config().layer(2));
        assertSameLogits(dense, Surgery.toMasks(dense.config(), plan), pruned);
    }

    @Test
    void shapesDtypesAndSharedTensors() {
        LlamaModel dense = gqaModel(13, true, DType.BF16);
        LlamaModel pruned = Surgery.apply(dense, mixedPlan());
        ModelConfig c = pruned.config();
        assertEquals(List.of(new LayerShape(4, 2, 4, 5), new LayerShape(2, 2, 4, 4), new LayerShape(4, 1, 4, 8)),
                c.layers());
        for (int l = 0; l < 3; l++) {
            LayerWeights w = pruned.layer(l);
            LayerShape s = c.layer(l);
            for (Matrix m : List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.gate(), w.up(), w.down(), w.bq(), w.bDown()))
                assertEquals(DType.BF16, m.dtype());
            assertEquals(s.qDim(), w.wq().rows());
            assertEquals(s.kvDim(), w.wk().rows());
            assertEquals(s.kvDim(), w.bv().cols());
            assertEquals(s.qDim(), w.wo().cols());
            assertEquals(s.intermediate(), w.up().rows());
            assertEquals(s.intermediate(), w.down().cols());
            assertEquals(s.intermediate(), w.bGate().cols());
        }
        assertSame(dense.embed(), pruned.embed());
        assertSame(dense.lmHead(), pruned.lmHead());
        // Layer 2 keeps kv head 1 of 2 with 4 query heads each: q rows 16..31, k rows 4..7.
        assertEquals(dense.layer(2).wq().get(16, 3), pruned.layer(2).wq().get(0, 3));
        assertEquals(dense.layer(2).wk().get(5, 0), pruned.layer(2).wk().get(1, 0));
        assertEquals(dense.layer(2).wo().get(7, 31), pruned.layer(2).wo().get(7, 15));
        assertEquals(dense.layer(2).down().get(3, 11), pruned.layer(2).down().get(3, 6));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void lazySurgeryCutsTheSameTensorsOneLayerAtATime(DType dtype) {
        LlamaModel dense = gqaModel(14, true, dtype);
        KeepPlan plan = new KeepPlan(mixedPlan().keptKvHeads(), mixedPlan().keptChannels(),
                new float[][]{ramp(16, 0.5f), ramp(16, -1f), ramp(16, 2f)}, null);
        LlamaModel eager = Surgery.apply(dense, plan), lazy = Surgery.lazy(dense, plan);
        assertTrue(lazy.lazy());
        assertEquals(eager.config(), lazy.config());
        assertEquals(eager.parameterCount(), lazy.parameterCount(), "counted from the config, without cutting");
        for (int l = 0; l < 3; l++) {
            LayerWeights e = eager.layer(l), z = lazy.layer(l), outline = lazy.outline(l);
            for (dev.lopper.model.Param p : eager.config().layerParams()) {
                Matrix a = p.of(e), b = p.of(z);
                assertArrayEquals(a.toFloats(), b.toFloats(), p + " of layer " + l);
                assertEquals(a.dtype(), b.dtype());
                assertEquals(a.dtype(), p.of(outline).dtype(), "the outline has the cut tensor's dtype");
            }
            assertSame(z, lazy.layer(l), "the last layer cut is kept");
        }
        LayerWeights two = lazy.layer(2);
        lazy.layer(0);
        assertNotSame(two, lazy.layer(2), "only the last layer cut is kept: an earlier one is cut again");
        LlamaModel held = lazy.materialized();
        assertFalse(held.lazy());
        assertEquals(eager.namedTensors().keySet(), held.namedTensors().keySet());
    }

    private static float[] ramp(int n, float step) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * step;
        return v;
    }

    @Test
    void parameterCountDropsByTheRemovedGroups() {
        for (boolean biases : new boolean[]{false, true}) {
            LlamaModel dense = gqaModel(14, biases, DType.F32);
            KeepPlan plan = mixedPlan();
            long removed = 0;
            for (int l = 0; l < 3; l++) {
                LayerShape s = dense.config().layer(l);
                removed += (s.kvHeads() - plan.keptKvHeads()[l].length) * Groups.attentionGroup(dense.config(), l);
                removed += (s.intermediate() - plan.keptChannels()[l].length) * Groups.mlpChannel(dense.config(), l);
            }
            LlamaModel pruned = Surgery.apply(dense, plan);
            assertEquals(dense.parameterCount() - removed, pruned.parameterCount());
            assertEquals(pruned.parameterCount(), pruned.config().parameterCount());
            assertEquals(dense.parameterCount(), Groups.total(dense.config()));
        }
    }

    @Test
    void groupSizesCountWeightsAndBiases() {
        ModelConfig c = gqaModel(1, true, DType.F32).config();
        // layer 2: g = 4, d = 4, h = 16: q 16x16, k and v 4x16, o 16x16, biases 16 + 4 + 4
        assertEquals(256 + 64 + 64 + 256 + 24, Groups.attentionGroup(c, 2));
        assertEquals(3 * 16 + 2, Groups.mlpChannel(c, 2));
        ModelConfig noBias = gqaModel(1, false, DType.F32).config();
        assertEquals(256 + 64 + 64 + 256, Groups.attentionGroup(noBias, 2));
        assertEquals(48, Groups.mlpChannel(noBias, 2));
        long all = 0;
        for (int l = 0; l < 3; l++)
            all += c.layer(l).kvHeads() * Groups.attentionGroup(c, l) + c.layer(l).intermediate() * Groups.mlpChannel(c, l);
        assertEquals(all, Groups.prunable(c));
    }

    @Test
    void biasCompensationEqualsReplacingRemovedInputsByTheirMeans() {
        for (boolean biases : new boolean[]{false, true}) {
            LlamaModel dense = gqaModel(15, biases, DType.F32);
            ModelConfig c = dense.config();
            KeepPlan plan = mixedPlan();
            Random rnd = new Random(3);
            float[][] oMeans = new float[3][], downMeans = new float[3][];
            for (int l = 0; l < 3; l++) {
                oMeans[l] = gaussians(rnd, c.layer(l).qDim());
                downMeans[l] = gaussians(rnd, c.layer(l).intermediate());
            }
            KeepPlan compensated = BiasCompensation.withMeans(dense, plan, oMeans, downMeans);
            LlamaModel pruned = Surgery.apply(dense, compensated);
            assertTrue(pruned.config().oBias() && pruned.config().downBias());

            // The bias is the old bias plus W[:,P]·mean(x_P).
            for (int l = 0; l < 3; l++) {
                boolean[] keptCh = new boolean[c.layer(l).intermediate()];
                for (int ch : plan.keptChannels()[l]) keptCh[ch] = true;
                for (int r = 0; r < c.hiddenSize(); r++) {
                    double expect = biases ? dense.layer(l).bDown().get(0, r) : 0;
                    for (int p = 0; p < keptCh.length; p++)
                        if (!keptCh[p]) expect += dense.layer(l).down().get(r, p) * downMeans[l][p];
                    assertEquals(expect, pruned.layer(l).bDown().get(0, r), 1e-5);
                }
            }

            // The dense model with the removed o_proj / down_proj inputs overwritten by the means.
            Masks masks = Surgery.toMasks(c, plan);
            ForwardHook meansIn = (layer, site, x, rows, cols) -> {
                float[] mask = site == ForwardHook.Site.O_IN ? masks.values(GroupKind.ATTENTION, layer)
                        : site == ForwardHook.Site.DOWN_IN ? masks.values(GroupKind.MLP, layer) : null;
                if (mask == null) return;
                float[] mean = site == ForwardHook.Site.O_IN ? oMeans[layer] : downMeans[layer];
                int width = cols / mask.length;
                for (int r = 0; r < rows; r++)
                    for (int p = 0; p < cols; p++) if (mask[p / width] == 0f) x[r * cols + p] = mean[p];
            };
            int[] tok = TestModels.tokens(21, SEQS * LEN, c.vocabSize());
            double expected = new Transformer(dense).loss(tok, SEQS, LEN, Pass.hooked(meansIn)).mean();
            double plain = new Transformer(Surgery.apply(dense, plan)).loss(tok, SEQS, LEN, Pass.plain()).mean();
            double actual = new Transformer(pruned).loss(tok, SEQS, LEN, Pass.plain()).mean();
            assertEquals(expected, actual, 1e-5 * Math.abs(expected));
            assertNotEquals(plain, actual, 1e-3, "the compensation should matter in this test");
        }
    }

    @Test
    void compensationOnlyOfTheMlpCreatesOnlyDownBiases() {
        LlamaModel dense = gqaModel(16, false, DType.BF16);
        float[][] means = new float[3][];
        for (int l = 0; l < 3; l++) means[l] = new float[dense.config().layer(l).intermediate()];
        LlamaModel pruned = Surgery.apply(dense, BiasCompensation.withMeans(dense, mixedPlan(), null, means));
        assertFalse(pruned.config().oBias());
        assertTrue(pruned.config().downBias());
        assertNull(pruned.layer(0).bo());
        assertEquals(DType.BF16, pruned.layer(0).bDown().dtype());
        assertEquals(pruned.parameterCount(), pruned.config().parameterCount());
    }

    @Test
    void plansThatDoNotFitTheModelAreRejected() {
        LlamaModel dense = gqaModel(17, false, DType.F32);
        assertMessage(new KeepPlan(new int[][]{{0}}, new int[][]{{0}}), dense, "covers 1 layers but the model has 3");
        assertMessage(new KeepPlan(new int[][]{{0, 3}, {0}, {0}}, new int[][]{{0}, {0}, {0}}), dense,
                "kv heads 3 in layer 0, which has 3");
        assertMessage(new KeepPlan(new int[][]{{0}, {2, 1}, {0}}, new int[][]{{0}, {0}, {0}}), dense,
                "kv heads of layer 1 are not strictly ascending");
        assertMessage(new KeepPlan(new int[][]{{0}, {0}, {0}}, new int[][]{{0}, {0}, {13}}), dense,
                "MLP channels 13 in layer 2, which has 13");
        assertMessage(new KeepPlan(new int[][]{{0}, {0}, {0}}, new int[][]{{0}, {0}, {0}}, new float[3][5], null), dense,
                "o_proj bias delta of layer 0 has 5 entries");
    }

    private static void assertMessage(KeepPlan plan, LlamaModel model, String part) {
        BadInputException e = assertThrows(BadInputException.class, () -> Surgery.apply(model, plan));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    private static float[] gaussians(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static void assertSameLogits(LlamaModel dense, Masks masks, LlamaModel pruned) {
        int[] tok = TestModels.tokens(7, SEQS * LEN, dense.config().vocabSize());
        float[] expected = new Transformer(dense).logits(tok, SEQS, LEN, Pass.masked(masks));
        float[] actual = new Transformer(pruned).logits(tok, SEQS, LEN, Pass.plain());
        float[] unmasked = new Transformer(dense).logits(tok, SEQS, LEN, Pass.plain());
        assertEquals(expected.length, actual.length);
        double worst = 0, change = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / Math.max(1, Math.abs(expected[i])));
            change = Math.max(change, Math.abs(expected[i] - unmasked[i]));
        }
        assertTrue(worst < 1e-5, "pruned vs masked logits differ by " + worst);
        assertTrue(change > 1e-2, "pruning should change the logits in this test");
    }
}
