package dev.lopper.model;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Backward against central finite differences of the forward loss, for every parameter kind
 * and for the mask gradients, on small random models with GQA and uneven layer shapes.
 * The forward is fp32, so differences use a step of 1e-2 on weights of scale 0.5 and are
 * checked at the entries with the largest gradients, where fp32 rounding is small relative
 * to the derivative.
 */
class GradientCheckTest {
    private static final int SEQS = 2, LEN = 6;

    /** A sink that keeps every gradient, keyed by tensor name. */
    static final class Keep implements GradientSink {
        final Map<String, float[]> grads = new HashMap<>();
        final Map<String, Param> kinds = new HashMap<>();

        @Override
        public boolean wants(int layer, Param param) { return true; }

        @Override
        public void accept(int layer, Param param, Matrix weight, float[] grad) {
            String name = param.tensorName(layer);
            assertFalse(grads.containsKey(name), "gradient of " + name + " delivered twice");
            assertEquals(weight.size(), grad.length, name);
            grads.put(name, grad.clone());
            kinds.put(name, param);
        }
    }

    @Test
    void everyParameterKindMatchesFiniteDifferences_untiedWithBiases() {
        check(TestModels.uneven(1, true, false, DType.F32), null, true);
    }

    @Test
    void tiedEmbeddingsWithoutBiases_recomputedActivations() {
        check(TestModels.uneven(2, false, true, DType.F32), null, false);
    }

    @Test
    void emptiedBlocksKeepTheirOutputBias() {
        // layer 0 has no attention left, layer 1 no MLP: their o_proj / down_proj biases still apply
        var shapes = List.of(new LayerShape(0, 0, 4, 6), new LayerShape(2, 1, 4, 0));
        ModelConfig c = new ModelConfig("LlamaForCausalLM", 16, 23, 64, shapes, 1e-5f, 10000f, null, false,
                true, true, true, true, 1, 2);
        check(TestModels.random(c, 8, 0.5f, DType.F32), null, true);
    }

    @Test
    void softMasksGetGradientsToo() {
        LlamaModel m = TestModels.uneven(3, true, false, DType.F32);
        Masks masks = Masks.ones(m.config(), true);
        Random rnd = new Random(5);
        for (float[] h : masks.heads) for (int i = 0; i < h.length; i++) h[i] = 0.3f + rnd.nextFloat();
        for (float[] c : masks.channels) for (int i = 0; i < c.length; i++) c[i] = 0.3f + rnd.nextFloat();
        check(m, masks, true);
        // Mask gradients: perturb each mask value.
        Transformer t = new Transformer(m);
        int[] tok = TestModels.tokens(9, SEQS * LEN, m.config().vocabSize());
        masks.zeroGradients();
        t.backward(tok, SEQS, LEN, masks, new Keep(), true);
        float h = 2e-2f;
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (float[][] arr : List.of(masks.heads, masks.channels)) {
                double[] an = arr == masks.heads ? masks.headGrad[l] : masks.channelGrad[l];
                for (int i = 0; i < arr[l].length; i++) {
                    float[] row = arr[l];
                    int idx = i;
                    double fd = richardson(step -> {
                        float old = row[idx];
                        row[idx] = old + step;
                        double up = t.loss(tok, SEQS, LEN, masks, null).mean();
                        row[idx] = old - step;
                        double down = t.loss(tok, SEQS, LEN, masks, null).mean();
                        row[idx] = old;
                        return (up - down) / (2 * step);
                    }, h);
                    assertClose(fd, an[i], "mask layer " + l + " index " + i);
                }
            }
        }
    }

    /** BLOOM's blocks: LayerNorms with bias (also after the embeddings), ALiBi with a pruned layer's kept slopes, GELU MLP. */
    @Test
    void bloomLayerNormAlibiGelu() {
        var shapes = List.of(new LayerShape(4, 4, 4, 20), new LayerShape(2, 2, 4, 9));
        AlibiHeads heads = new AlibiHeads(4, List.of(List.of(0, 1, 2, 3), List.of(1, 3)));
        ModelConfig c = new ModelConfig("BloomForCausalLM", 16, 23, 64, shapes, 1e-5f, 10000f, null, true,
                true, true, true, true, 1, 2, BlockOps.BLOOM, heads);
        LlamaModel m = TestModels.randomOfFamily(c, 11, 0.5f, DType.F32);
        check(m, null, true, expected(c));
        Masks masks = Masks.ones(c, true);
        masks.heads[0][2] = 0.4f;
        masks.channels[1][3] = 1.7f;
        check(m, masks, false, expected(c));
    }

    /** Baichuan-13B's blocks: RMSNorm, ALiBi, SwiGLU. */
    @Test
    void baichuanAlibi() {
        var shapes = List.of(new LayerShape(6, 6, 4, 12), new LayerShape(3, 3, 4, 7));
        ModelConfig c = new ModelConfig("BaichuanForCausalLM", 16, 23, 64, shapes, 1e-6f, 10000f, null, false,
                false, false, false, false, 1, 2, BlockOps.LLAMA.withPosition(BlockOps.Position.ALIBI),
                new AlibiHeads(6, List.of(List.of(0, 1, 2, 3, 4, 5), List.of(0, 4, 5))));
        check(TestModels.randomOfFamily(c, 12, 0.3f, DType.F32), null, true, expected(c));
    }

    /** Every parameter kind the config has. */
    private static EnumSet<Param> expected(ModelConfig c) {
        EnumSet<Param> e = EnumSet.noneOf(Param.class);
        e.addAll(c.globalParams());
        e.addAll(c.layerParams());
        return e;
    }

    private void check(LlamaModel model, Masks masks, boolean keep) {
        EnumSet<Param> expected = EnumSet.of(Param.EMBED, Param.FINAL_NORM, Param.ATTN_NORM, Param.Q, Param.K,
                Param.V, Param.O, Param.MLP_NORM, Param.GATE, Param.UP, Param.DOWN);
        if (!model.config().tieWordEmbeddings()) expected.add(Param.LM_HEAD);
        if (model.config().qkvBias()) expected.addAll(EnumSet.of(Param.BQ, Param.BK, Param.BV, Param.BO,
                Param.BGATE, Param.BUP, Param.BDOWN));
        check(model, masks, keep, expected);
    }

    private void check(LlamaModel model, Masks masks, boolean keep, EnumSet<Param> expected) {
        int[] tok = TestModels.tokens(9, SEQS * LEN, model.config().vocabSize());
        Keep sink = new Keep();
        Transformer t = new Transformer(model);
        double loss = t.backward(tok, SEQS, LEN, masks, sink, keep).mean();
        assertEquals(t.loss(tok, SEQS, LEN, masks, null).mean(), loss, 1e-6, "backward's loss = forward's loss");

        EnumSet<Param> seen = EnumSet.noneOf(Param.class);
        Map<String, Matrix> tensors = model.namedTensors();
        for (Map.Entry<String, Matrix> e : tensors.entrySet()) {
            float[] an = sink.grads.get(e.getKey());
            assertNotNull(an, "no gradient for " + e.getKey());
            seen.add(sink.kinds.get(e.getKey()));
            float[] w = e.getValue().heapArray();
            for (int i : spots(an)) {
                double fd = richardson(step -> {
                    float old = w[i];
                    w[i] = old + step;
                    double up = new Transformer(model).loss(tok, SEQS, LEN, masks, null).mean();
                    w[i] = old - step;
                    double down = new Transformer(model).loss(tok, SEQS, LEN, masks, null).mean();
                    w[i] = old;
                    return (up - down) / (2 * step);
                }, 2e-2f);
                assertClose(fd, an[i], e.getKey() + "[" + i + "]");
            }
        }
        assertEquals(expected, seen);
    }

    /**
     * Central differences at steps h and h/2 combined so that the O(h²) truncation error cancels
     * (Richardson extrapolation); fp32 rounding limits how small h can usefully be.
     */
    private static double richardson(java.util.function.Function<Float, Double> central, float h) {
        double d1 = central.apply(h);
        double d2 = central.apply(h / 2);
        return (4 * d2 - d1) / 3;
    }

    /** The three entries with the largest |gradient|. */
    private static List<Integer> spots(float[] g) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < g.length; i++) idx.add(i);
        idx.sort((a, b) -> Float.compare(Math.abs(g[b]), Math.abs(g[a])));
        return idx.subList(0, Math.min(3, idx.size()));
    }

    private static void assertClose(double fd, double an, String what) {
        double rel = Math.abs(fd - an) / Math.max(Math.max(Math.abs(fd), Math.abs(an)), 1e-12);
        assertTrue(rel < 1e-3 || Math.abs(fd - an) < 2e-5,
                what + ": finite difference " + fd + " vs backward " + an + " (relative error " + rel + ")");
    }
}
