package dev.lopper.model;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link CausalLM#lossEach} and {@link CausalLM#maskBackwardEach} (HyWIA's fusion: several
 * batches layer by layer, from cached states entering the first masked layer) give, batch by
 * batch, the same bits as {@link CausalLM#loss} and {@link CausalLM#backward} of that batch alone
 * from the embeddings: the losses, and the mask gradients of every layer from the first masked
 * one. Batches of 2 and 3 windows of 20 tokens (40 and 60 rows, Gemm's blocked path: the batches
 * are stacked into one product per weight), and with one of 1 window (20 rows, its small-m path:
 * each batch runs alone); GQA, uneven layers, biases; fp32 and bf16 weights; every layer's
 * activations recomputed in the backward, all kept from the forward, or some (100 kB: the top
 * layer's).
 */
class LayerMajorPassesTest {
    static final int LEN = 20, FROM = 1;

    static final GradientSink NO_WEIGHTS = new GradientSink() {
        @Override public boolean wants(int layer, Param param) { return false; }

        @Override public void accept(int layer, Param param, Matrix weight, float[] grad) {
            fail("no weight gradient was asked for");
        }
    };

    static LlamaModel model(DType dtype) {
        List<LayerShape> shapes = List.of(new LayerShape(4, 2, 4, 12), new LayerShape(4, 4, 4, 9),
                new LayerShape(6, 3, 4, 10));
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(29).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).qkvBias(true).oBias(true).mlpBias(true).downBias(true).bosTokenId(1)
                .eosTokenId(2)
                .build();
        return TestModels.random(c, 33, 0.5f, dtype);
    }

    /** Soft masks in layers FROM and up (ones below), different per batch. */
    static Masks softMasks(ModelConfig c, long seed, boolean grads) {
        Masks m = Masks.ones(c, grads);
        Random rnd = new Random(seed);
        for (GroupKind k : GroupKind.values())
            for (int l = FROM; l < c.numLayers(); l++) {
                float[] v = m.values(k, l);
                for (int i = 0; i < v.length; i++) v[i] = 0.2f + 0.9f * rnd.nextFloat();
            }
        return m;
    }

    @ParameterizedTest
    @CsvSource({"F32, 0, 2 2 1", "F32, 9223372036854775807, 2 2 1", "BF16, 0, 2 2 1", "BF16, 100000, 2 2 1",
            "F32, 0, 2 3 2", "F32, 9223372036854775807, 2 3 2", "BF16, 0, 2 3 2", "BF16, 100000, 2 3 2"})
    void layerMajorPassesGiveTheBitsOfEachBatchAlone(DType dtype, long keepBytes, String layout) {
        LlamaModel model = model(dtype);
        ModelConfig c = model.config();
        Transformer t = new Transformer(model);
        int[] windows = java.util.Arrays.stream(layout.split(" ")).mapToInt(Integer::parseInt).toArray();
        int[][] tokens = new int[windows.length][];
        float[][] starts = new float[windows.length][];
        Masks[] each = new Masks[windows.length], eachForward = new Masks[windows.length];
        for (int b = 0; b < windows.length; b++) {
            tokens[b] = TestModels.tokens(50 + b, windows[b] * LEN, c.vocabSize());
            starts[b] = t.prefix(tokens[b], windows[b], LEN, FROM);
            each[b] = softMasks(c, 7 + b, true);
            eachForward[b] = softMasks(c, 7 + b, false);
        }
        CausalLM.Loss[] losses = t.maskBackwardEach(tokens, LEN, each, FROM, starts, keepBytes);
        CausalLM.Loss[] forward = t.lossEach(tokens, LEN, eachForward, FROM, starts);
        for (int b = 0; b < windows.length; b++) {
            Masks alone = softMasks(c, 7 + b, true);
            CausalLM.Loss want = t.backward(tokens[b], windows[b], LEN, Pass.masked(alone), NO_WEIGHTS);
            assertEquals(want, losses[b], "batch " + b + "'s loss");
            assertEquals(t.loss(tokens[b], windows[b], LEN, Pass.masked(softMasks(c, 7 + b, false))), forward[b],
                    "batch " + b + "'s forward loss");
            boolean nonZero = false;
            for (GroupKind k : GroupKind.values())
                for (int l = FROM; l < c.numLayers(); l++) {
                    assertArrayEquals(alone.gradients(k, l), each[b].gradients(k, l), "batch " + b + " " + k + " layer " + l);
                    for (double g : alone.gradients(k, l)) nonZero |= g != 0;
                }
            assertTrue(nonZero, "the masks get gradients");
        }
    }
}
