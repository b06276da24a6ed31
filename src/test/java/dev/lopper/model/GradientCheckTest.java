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
 * The forward is fp32, so differences use a step of 1e-2 on weights of scale 0.5. Checked
 * entries of each tensor: the three largest gradients, two random ones, and in every head block
 * (q/k/v rows, o_proj columns, q/k/v bias entries of one head) and every MLP channel (gate/up
 * rows, down_proj column, gate/up bias entry) the largest and a random entry, so a gradient
 * wrongly zero (or wrong) for one head or channel cannot pass ({@link #aWrongHeadOrChannelBlockFails}).
 */
class GradientCheckTest {
    private static final int SEQS = 2, LEN = 6;

    /** A sink that keeps every gradient, keyed by tensor name. */
    static final class Keep implements GradientSink {
        final Map<String, float[]> grads = new HashMap<>();
        final Map<String, Param> kinds = new HashMap<>();
        final Map<String, Integer> layers = new HashMap<>();

        @Override
        public boolean wants(int layer, Param param) { return true; }

        @Override
        public void accept(int layer, Param param, Matrix weight, float[] grad) {
            String name = param.tensorName(layer);
            assertFalse(grads.containsKey(name), "gradient of " + name + " delivered twice");
            assertEquals(weight.size(), grad.length, name);
            grads.put(name, grad.clone());
            kinds.put(name, param);
            layers.put(name, layer);
        }
    }

    @Test
    void everyParameterKindMatchesFiniteDifferences_untiedWithBiases() {
        check(TestModels.uneven(1, true, false, DType.F32), Pass.plain(), true);
    }

    @Test
    void tiedEmbeddingsWithoutBiases_recomputedActivations() {
        check(TestModels.uneven(2, false, true, DType.F32), Pass.plain(), false);
    }

    @Test
    void emptiedBlocksKeepTheirOutputBias() {
        // layer 0 has no attention left, layer 1 no MLP: their o_proj / down_proj biases still apply
        var shapes = List.of(new LayerShape(0, 0, 4, 6), new LayerShape(2, 1, 4, 0));
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(23).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).qkvBias(true).oBias(true).mlpBias(true).downBias(true).bosTokenId(1)
                .eosTokenId(2)
                .build();
        check(TestModels.random(c, 8, 0.5f, DType.F32), Pass.plain(), true);
    }

    @Test
    void softMasksGetGradientsToo() {
        LlamaModel m = TestModels.uneven(3, true, false, DType.F32);
        Masks masks = Masks.ones(m.config(), true);
        Random rnd = new Random(5);
        for (GroupKind k : GroupKind.values())
            for (int l = 0; l < m.config().numLayers(); l++) {
                float[] v = masks.values(k, l);
                for (int i = 0; i < v.length; i++) v[i] = 0.3f + rnd.nextFloat();
            }
        check(m, Pass.masked(masks), true);
        // Mask gradients: perturb each mask value.
        Transformer t = new Transformer(m);
        int[] tok = TestModels.tokens(9, SEQS * LEN, m.config().vocabSize());
        masks.zeroGradients();
        t.backward(tok, SEQS, LEN, Pass.masked(masks).keepingActivations(), new Keep());
        float h = 2e-2f;
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                double[] an = masks.gradients(k, l);
                float[] row = masks.values(k, l);
                for (int i = 0; i < row.length; i++) {
                    int idx = i;
                    double fd = richardson(step -> {
                        float old = row[idx];
                        row[idx] = old + step;
                        double up = t.loss(tok, SEQS, LEN, Pass.masked(masks)).mean();
                        row[idx] = old - step;
                        double down = t.loss(tok, SEQS, LEN, Pass.masked(masks)).mean();
                        row[idx] = old;
                        return (up - down) / (2 * step);
                    }, h);
                    assertClose(fd, an[i], k + " mask layer " + l + " group " + i);
                }
            }
        }
    }

    /** BLOOM's blocks: LayerNorms with bias (also after the embeddings), ALiBi with a pruned layer's kept slopes, GELU MLP. */
    @Test
    void bloomLayerNormAlibiGelu() {
        var shapes = List.of(new LayerShape(4, 4, 4, 20), new LayerShape(2, 2, 4, 9));
        AlibiHeads heads = new AlibiHeads(4, List.of(List.of(0, 1, 2, 3), List.of(1, 3)));
        ModelConfig c = ModelConfig.builder(Family.BLOOM)
                .hiddenSize(16).vocabSize(23).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).tieWordEmbeddings(true).qkvBias(true).oBias(true).mlpBias(true)
                .downBias(true).bosTokenId(1).eosTokenId(2).alibi(heads)
                .build();
        LlamaModel m = TestModels.randomOfFamily(c, 11, 0.5f, DType.F32);
        check(m, Pass.plain(), true, expected(c));
        Masks masks = Masks.ones(c, true);
        masks.values(GroupKind.ATTENTION, 0)[2] = 0.4f;
        masks.values(GroupKind.MLP, 1)[3] = 1.7f;
        check(m, Pass.masked(masks), false, expected(c));
    }

    /** Baichuan-13B's blocks: RMSNorm, ALiBi, SwiGLU. */
    @Test
    void baichuanAlibi() {
        var shapes = List.of(new LayerShape(6, 6, 4, 12), new LayerShape(3, 3, 4, 7));
        ModelConfig c = ModelConfig.builder(Family.BAICHUAN)
                .hiddenSize(16).vocabSize(23).maxPositions(64).layers(shapes).rmsNormEps(1e-6f)
                .ropeTheta(10000f).bosTokenId(1).eosTokenId(2)
                .ops(Family.BAICHUAN.ops().withPosition(BlockOps.Position.ALIBI))
                .alibi(new AlibiHeads(6, List.of(List.of(0, 1, 2, 3, 4, 5), List.of(0, 4, 5))))
                .build();
        check(TestModels.randomOfFamily(c, 12, 0.3f, DType.F32), Pass.plain(), true, expected(c));
    }

    /** Every parameter kind the config has. */
    private static EnumSet<Param> expected(ModelConfig c) {
        EnumSet<Param> e = EnumSet.noneOf(Param.class);
        e.addAll(c.globalParams());
        e.addAll(c.layerParams());
        return e;
    }

    /** The parameter kinds of a LLaMA-family test model. */
    private static EnumSet<Param> llamaExpected(LlamaModel model) {
        EnumSet<Param> expected = EnumSet.of(Param.EMBED, Param.FINAL_NORM, Param.ATTN_NORM, Param.Q, Param.K,
                Param.V, Param.O, Param.MLP_NORM, Param.GATE, Param.UP, Param.DOWN);
        if (!model.config().tieWordEmbeddings()) expected.add(Param.LM_HEAD);
        if (model.config().qkvBias()) expected.addAll(EnumSet.of(Param.BQ, Param.BK, Param.BV, Param.BO,
                Param.BGATE, Param.BUP, Param.BDOWN));
        return expected;
    }

    private void check(LlamaModel model, Pass pass, boolean keep) {
        check(model, pass, keep, llamaExpected(model));
    }

    private void check(LlamaModel model, Pass pass, boolean keep, EnumSet<Param> expected) {
        int[] tok = TestModels.tokens(9, SEQS * LEN, model.config().vocabSize());
        Keep sink = new Keep();
        Transformer t = new Transformer(model);
        double loss = t.backward(tok, SEQS, LEN, keep ? pass.keepingActivations() : pass, sink).mean();
        assertEquals(t.loss(tok, SEQS, LEN, pass).mean(), loss, 1e-6, "backward's loss = forward's loss");
        compare(model, pass, tok, sink, null, expected);
    }

    /** Each wrong block, alone, makes the comparison fail. */
    @Test
    void aWrongHeadOrChannelBlockFails() {
        LlamaModel model = TestModels.uneven(1, true, false, DType.F32);
        int[] tok = TestModels.tokens(9, SEQS * LEN, model.config().vocabSize());
        Keep sink = new Keep();
        new Transformer(model).backward(tok, SEQS, LEN, Pass.plain().keepingActivations(), sink);
        LayerShape s0 = model.config().layer(0), s1 = model.config().layer(1);
        int h = model.config().hiddenSize(), d = s0.headDim();
        record Wrong(String tensor, int rows, int cols, int r0, int r1, int c0, int c1, float factor) {}
        List<Wrong> wrongs = List.of(
                new Wrong(Param.Q.tensorName(0), s0.heads() * d, h, 2 * d, 3 * d, 0, h, 0),        // q head 2 zero
                new Wrong(Param.K.tensorName(1), s1.kvHeads() * d, h, 0, d, 0, h, 0),               // k of the only kv head
                new Wrong(Param.V.tensorName(0), s0.kvHeads() * d, h, d, 2 * d, 0, h, 0),           // v kv head 1
                new Wrong(Param.O.tensorName(0), h, s0.heads() * d, 0, h, 3 * d, 4 * d, 0),        // o columns of head 3
                new Wrong(Param.BQ.tensorName(1), 1, s1.heads() * d, 0, 1, d, 2 * d, 0),            // q bias of head 1
                new Wrong(Param.GATE.tensorName(0), s0.intermediate(), h, 5, 6, 0, h, 0),           // gate row 5
                new Wrong(Param.UP.tensorName(1), s1.intermediate(), h, 6, 7, 0, h, 2),             // up row 6 doubled
                new Wrong(Param.DOWN.tensorName(1), h, s1.intermediate(), 0, h, 3, 4, 0),           // down column 3
                new Wrong(Param.BUP.tensorName(0), 1, s0.intermediate(), 0, 1, 11, 12, 0));         // last up bias entry
        for (Wrong wr : wrongs) {
            Keep bad = new Keep();
            sink.grads.forEach((name, g) -> {
                bad.grads.put(name, g.clone());
                bad.kinds.put(name, sink.kinds.get(name));
                bad.layers.put(name, sink.layers.get(name));
            });
            float[] g = bad.grads.get(wr.tensor());
            assertEquals((long) wr.rows() * wr.cols(), g.length, wr.tensor());
            for (int r = wr.r0(); r < wr.r1(); r++)
                for (int c = wr.c0(); c < wr.c1(); c++) g[r * wr.cols() + c] *= wr.factor();
            AssertionError e = assertThrows(AssertionError.class, () -> compare(model, Pass.plain(), tok, bad, wr.tensor(), llamaExpected(model)), wr.toString());
            assertTrue(e.getMessage().startsWith(wr.tensor() + "["), wr + " failed elsewhere: " + e.getMessage());
        }
    }

    /** Every gradient in {@code sink} at the checked entries ({@link #spots}) against finite differences, tensor {@code first} first. */
    private void compare(LlamaModel model, Pass pass, int[] tok, Keep sink, String first, EnumSet<Param> expected) {
        EnumSet<Param> seen = EnumSet.noneOf(Param.class);
        Map<String, Matrix> tensors = model.namedTensors();
        List<Map.Entry<String, Matrix>> order = new ArrayList<>(tensors.entrySet());
        order.sort(java.util.Comparator.comparing((Map.Entry<String, Matrix> e) -> !e.getKey().equals(first))
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, Matrix> e : order) {
            float[] an = sink.grads.get(e.getKey());
            assertNotNull(an, "no gradient for " + e.getKey());
            seen.add(sink.kinds.get(e.getKey()));
            float[] w = e.getValue().heapArray();
            Matrix m = e.getValue();
            int layer = sink.layers.get(e.getKey());
            List<Integer> spots = spots(an, sink.kinds.get(e.getKey()), layer < 0 ? null : model.config().layer(layer),
                    m.rows(), m.cols(), new Random(e.getKey().hashCode()));
            double largest = spots.isEmpty() ? 0 : Math.abs(an[spots.get(0)]);
            for (int n = 0; n < spots.size(); n++) {
                int i = spots.get(n);
                boolean top = n < Math.min(3, an.length);
                double fd = richardson(step -> {
                    float old = w[i];
                    w[i] = old + step;
                    double up = new Transformer(model).loss(tok, SEQS, LEN, pass).mean();
                    w[i] = old - step;
                    double down = new Transformer(model).loss(tok, SEQS, LEN, pass).mean();
                    w[i] = old;
                    return (up - down) / (2 * step);
                }, 2e-2f);
                if (top) assertClose(fd, an[i], e.getKey() + "[" + i + "]");
                else assertCloseToScale(fd, an[i], largest, e.getKey() + "[" + i + "]");
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

    /**
     * The entries checked in a [rows, cols] gradient: the three largest |g|, two random ones, and
     * the largest and a random one of every head block and MLP channel of this kind of tensor.
     */
    static List<Integer> spots(float[] g, Param kind, LayerShape s, int rows, int cols, Random rnd) {
        java.util.Set<Integer> out = new java.util.LinkedHashSet<>();
        if (g.length == 0) return new ArrayList<>();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < g.length; i++) idx.add(i);
        idx.sort((a, b) -> Float.compare(Math.abs(g[b]), Math.abs(g[a])));
        out.addAll(idx.subList(0, Math.min(3, idx.size())));
        for (int k = 0; k < 2; k++) out.add(rnd.nextInt(g.length));
        for (int[] b : blocks(kind, s, rows, cols)) {      // {r0, r1, c0, c1}
            int best = b[0] * cols + b[2];
            for (int r = b[0]; r < b[1]; r++)
                for (int c = b[2]; c < b[3]; c++) if (Math.abs(g[r * cols + c]) > Math.abs(g[best])) best = r * cols + c;
            out.add(best);
            out.add((b[0] + rnd.nextInt(b[1] - b[0])) * cols + b[2] + rnd.nextInt(b[3] - b[2]));
        }
        return new ArrayList<>(out);
    }

    /** The head blocks or MLP channels of a tensor kind, as {r0, r1, c0, c1}; none for other kinds. */
    static List<int[]> blocks(Param kind, LayerShape s, int rows, int cols) {
        List<int[]> out = new ArrayList<>();
        if (s == null) return out;
        int d = s.headDim();
        switch (kind) {
            case Q, BQ -> { for (int h = 0; h < s.heads(); h++) out.add(kind == Param.Q ? new int[] {h * d, (h + 1) * d, 0, cols} : new int[] {0, 1, h * d, (h + 1) * d}); }
            case K, V, BK, BV -> {
                boolean bias = kind == Param.BK || kind == Param.BV;
                for (int h = 0; h < s.kvHeads(); h++) out.add(bias ? new int[] {0, 1, h * d, (h + 1) * d} : new int[] {h * d, (h + 1) * d, 0, cols});
            }
            case O -> { for (int h = 0; h < s.heads(); h++) out.add(new int[] {0, rows, h * d, (h + 1) * d}); }
            case GATE, UP -> { for (int c = 0; c < s.intermediate(); c++) out.add(new int[] {c, c + 1, 0, cols}); }
            case DOWN, BGATE, BUP -> { for (int c = 0; c < s.intermediate(); c++) out.add(new int[] {0, rows, c, c + 1}); }
            default -> { }
        }
        return out;
    }

    /**
     * For entries below a tensor's largest gradients: the fp32 forward gives the differences an
     * absolute noise of about 3e-5 here, too much for 0.1% on small entries, so they are checked to
     * 0.1% of themselves or 1% of the tensor's largest |gradient|, whichever is looser. A gradient
     * zero (or doubled) for a whole head or channel is still far outside that.
     */
    private static void assertCloseToScale(double fd, double an, double largest, String what) {
        double err = Math.abs(fd - an);
        assertTrue(err < 1e-3 * Math.max(Math.abs(fd), Math.abs(an)) || err < Math.max(2e-5, 1e-2 * largest),
                what + ": finite difference " + fd + " vs backward " + an + " (largest |gradient| of the tensor "
                        + largest + ")");
    }

    private static void assertClose(double fd, double an, String what) {
        double rel = Math.abs(fd - an) / Math.max(Math.max(Math.abs(fd), Math.abs(an)), 1e-12);
        assertTrue(rel < 1e-3 || Math.abs(fd - an) < 2e-5,
                what + ": finite difference " + fd + " vs backward " + an + " (relative error " + rel + ")");
    }
}
