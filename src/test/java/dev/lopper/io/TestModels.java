package dev.lopper.io;

import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small random models for round-trip tests, and a bit-exact comparison. */
final class TestModels {
    private TestModels() {}

    static ModelConfig config(List<LayerShape> layers, boolean tied, boolean qkvBias, boolean oBias, boolean mlpBias,
                              boolean downBias) {
        return ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(40).maxPositions(128).layers(layers).rmsNormEps(1e-5f)
                .ropeTheta(10000f).tieWordEmbeddings(tied).qkvBias(qkvBias).oBias(oBias).mlpBias(mlpBias)
                .downBias(downBias).bosTokenId(1).eosTokenId(2)
                .build();
    }

    static LlamaModel random(ModelConfig c, DType dtype, long seed) {
        return dev.lopper.model.TestModels.random(c, seed, 1f, dtype);
    }

    static Matrix rand(Random rnd, int rows, int cols, DType dtype) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return Matrix.fromFloats(v, rows, cols, dtype);
    }

    static byte[] bytes(Matrix m) {
        return m.segment().asSlice(0, m.size() * m.dtype().bytes).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    static void assertSameMatrix(String name, Matrix expected, Matrix actual) {
        assertEquals(expected.rows(), actual.rows(), name + " rows");
        assertEquals(expected.cols(), actual.cols(), name + " cols");
        assertEquals(expected.dtype(), actual.dtype(), name + " dtype");
        assertArrayEquals(bytes(expected), bytes(actual), name + " bytes");
    }

    static void assertSameTensors(LlamaModel expected, LlamaModel actual) {
        Map<String, Matrix> e = expected.namedTensors(), a = actual.namedTensors();
        assertEquals(e.keySet(), a.keySet());
        for (String name : e.keySet()) assertSameMatrix(name, e.get(name), a.get(name));
    }
}
