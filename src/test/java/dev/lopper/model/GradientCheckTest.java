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

    private void check(LlamaModel model, Masks masks, boolean keep) {
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
        EnumSet<Param> expected = EnumSet.of(Param.EMBED, Param.FINAL_NORM, Param.ATTN_NORM, Param.Q, Param.K,
                Param.V, Param.O, Param.MLP_NORM, Param.GATE, Param.UP, Param.DOWN);
        if (!model.config().tieWordEmbeddings()) expected.add(Param.LM_HEAD);
        if (model.config().qkvBias()) expected.addAll(EnumSet.of(Param.BQ, Param.BK, Param.BV, Param.BO,
                Param.BGATE, Param.BUP, Param.BDOWN));
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
