package dev.lopper.model;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random models built in code, for unit tests. */
public final class TestModels {
    private TestModels() {}

    /** A 2-layer model with GQA and different shapes per layer; biases and tying as asked. */
    public static LlamaModel uneven(long seed, boolean biases, boolean tied, DType dtype) {
        List<LayerShape> shapes = List.of(new LayerShape(4, 2, 4, 12), new LayerShape(2, 1, 4, 7));
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(23).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).tieWordEmbeddings(tied).qkvBias(biases).oBias(biases).mlpBias(biases)
                .downBias(biases).bosTokenId(1).eosTokenId(2)
                .build();
        return random(c, seed, 0.5f, dtype);
    }

    public static LlamaModel random(ModelConfig c, long seed, float scale, DType dtype) {
        Random rnd = new Random(seed);
        int h = c.hiddenSize();
        Matrix embed = mat(rnd, c.vocabSize(), h, scale, dtype);
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerShape s : c.layers()) {
            int q = s.qDim(), kv = s.kvDim(), f = s.intermediate();
            // drawn in this order (the golden values depend on it)
            layers.add(LayerWeights.builder()
                    .put(Param.ATTN_NORM, norm(rnd, h, dtype))
                    .put(Param.Q, mat(rnd, q, h, scale, dtype))
                    .put(Param.K, mat(rnd, kv, h, scale, dtype))
                    .put(Param.V, mat(rnd, kv, h, scale, dtype))
                    .put(Param.O, mat(rnd, h, q, scale, dtype))
                    .put(Param.BQ, c.qkvBias() ? mat(rnd, 1, q, scale, dtype) : null)
                    .put(Param.BK, c.qkvBias() ? mat(rnd, 1, kv, scale, dtype) : null)
                    .put(Param.BV, c.qkvBias() ? mat(rnd, 1, kv, scale, dtype) : null)
                    .put(Param.BO, c.oBias() ? mat(rnd, 1, h, scale, dtype) : null)
                    .put(Param.MLP_NORM, norm(rnd, h, dtype))
                    .put(Param.GATE, mat(rnd, f, h, scale, dtype))
                    .put(Param.UP, mat(rnd, f, h, scale, dtype))
                    .put(Param.DOWN, mat(rnd, h, f, scale, dtype))
                    .put(Param.BGATE, c.mlpBias() ? mat(rnd, 1, f, scale, dtype) : null)
                    .put(Param.BUP, c.mlpBias() ? mat(rnd, 1, f, scale, dtype) : null)
                    .put(Param.BDOWN, c.downBias() ? mat(rnd, 1, h, scale, dtype) : null)
                    .build());
        }
        Matrix head = c.tieWordEmbeddings() ? embed : mat(rnd, c.vocabSize(), h, scale, dtype);
        return new LlamaModel(c, embed, layers, norm(rnd, h, dtype), head);
    }

    /**
     * A random model of any family: every tensor the config has ({@link ModelConfig#has}), norm
     * weights near 1, everything else Gaussian of the given scale.
     */
    public static LlamaModel randomOfFamily(ModelConfig c, long seed, float scale, DType dtype) {
        Random rnd = new Random(seed);
        java.util.function.BiFunction<Param, LayerShape, Matrix> make = (p, s) -> {
            if (!c.has(p)) return null;
            boolean normWeight = p == Param.ATTN_NORM || p == Param.MLP_NORM || p == Param.FINAL_NORM || p == Param.EMBED_NORM;
            return normWeight ? norm(rnd, c.hiddenSize(), dtype) : mat(rnd, p.rows(c, s), p.cols(c, s), scale, dtype);
        };
        Matrix embed = make.apply(Param.EMBED, null);
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerShape s : c.layers()) layers.add(LayerWeights.from(p -> make.apply(p, s)));
        Matrix head = c.tieWordEmbeddings() ? embed : make.apply(Param.LM_HEAD, null);
        return new LlamaModel(c, embed, layers, make.apply(Param.FINAL_NORM, null), head,
                make.apply(Param.FINAL_NORM_BIAS, null), make.apply(Param.EMBED_NORM, null),
                make.apply(Param.EMBED_NORM_BIAS, null));
    }

    private static Matrix mat(Random rnd, int rows, int cols, float scale, DType dtype) {
        float[] a = new float[rows * cols];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return Matrix.fromFloats(a, rows, cols, dtype);
    }

    private static Matrix norm(Random rnd, int n, DType dtype) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = 0.8f + 0.4f * rnd.nextFloat();
        return Matrix.fromFloats(a, 1, n, dtype);
    }

    public static int[] tokens(long seed, int count, int vocab) {
        Random rnd = new Random(seed);
        int[] t = new int[count];
        for (int i = 0; i < count; i++) t[i] = rnd.nextInt(vocab);
        return t;
    }
}
