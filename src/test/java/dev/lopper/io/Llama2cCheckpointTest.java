package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** Writes llama2.c files from a known model (in llama2.c's own layout) and reads them back. */
class Llama2cCheckpointTest {
    @TempDir
    Path dir;

    private static final int SEQ_LEN = 6;

    private static LlamaModel model(boolean tied) {
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(40).maxPositions(SEQ_LEN)
                .layers(Collections.nCopies(2, new LayerShape(4, 2, 4, 24))).rmsNormEps(1e-5f)
                .ropeTheta(10000f).tieWordEmbeddings(tied).bosTokenId(1).eosTokenId(2)
                .build();
        return TestModels.random(c, DType.F32, 21);
    }

    @Test
    void permutationMovesInterleavedPairsToHalves() {
        // One head of size 4: llama2.c rows (x0, y0, x1, y1) become HF rows (x0, x1, y0, y1).
        Matrix w = Matrix.wrap(new float[]{0, 1, 2, 3, 10, 11, 12, 13}, 8, 1);
        assertArrayEquals(new float[]{0, 2, 1, 3, 10, 12, 11, 13}, Llama2cCheckpoint.toRotateHalf(w, 4).toFloats());
    }

    @Test
    void readsVersion0SharedClassifier() throws Exception {
        LlamaModel m = model(true);
        Path file = dir.resolve("m.bin");
        Files.write(file, v0(m));
        LlamaModel back = Checkpoints.load(file);
        assertEquals(m.config(), back.config());
        TestModels.assertSameTensors(m, back);
        assertSame(back.embed(), back.lmHead());
    }

    @Test
    void readsVersion0UnsharedClassifier() throws Exception {
        LlamaModel m = model(false);
        Path file = dir.resolve("u.bin");
        Files.write(file, v0(m));
        LlamaModel back = Checkpoints.load(file);
        assertEquals(m.config(), back.config());
        TestModels.assertSameTensors(m, back);
    }

    @Test
    void readsVersion1Export() throws Exception {
        for (boolean tied : new boolean[]{true, false}) {
            LlamaModel m = model(tied);
            Path file = dir.resolve("v1-" + tied + ".bin");
            Files.write(file, v1(m));
            LlamaModel back = Checkpoints.load(file);
            assertEquals(m.config(), back.config());
            TestModels.assertSameTensors(m, back);
        }
    }

    @Test
    void wrongSizeNamesFileAndSizes() throws Exception {
        byte[] good = v0(model(true));
        Path file = dir.resolve("cut.bin");
        Files.write(file, java.util.Arrays.copyOf(good, good.length - 4));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(file));
        String m = e.getMessage();
        assertTrue(m.contains("cut.bin") && m.contains(String.valueOf(good.length - 4)) && m.contains(String.valueOf(good.length)), m);
    }

    @Test
    void garbageHeaderIsBadInput() throws Exception {
        Path file = dir.resolve("junk.bin");
        Files.write(file, new byte[40]);
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(file));
        assertTrue(e.getMessage().contains("junk.bin"), e.getMessage());
    }

    // --- writing llama2.c files (test-only) ---

    private static byte[] v0(LlamaModel m) {
        ModelConfig c = m.config();
        LayerShape s = c.layer(0);
        Out out = new Out();
        out.ints(c.hiddenSize(), s.intermediate(), c.numLayers(), s.heads(), s.kvHeads(),
                c.tieWordEmbeddings() ? c.vocabSize() : -c.vocabSize(), c.maxPositions());
        out.m(m.embed());
        each(out, m, LayerWeights::attnNorm);
        each(out, m, l -> toInterleaved(l.wq(), s.headDim()));
        each(out, m, l -> toInterleaved(l.wk(), s.headDim()));
        each(out, m, LayerWeights::wv);
        each(out, m, LayerWeights::wo);
        each(out, m, LayerWeights::mlpNorm);
        each(out, m, LayerWeights::gate);
        each(out, m, LayerWeights::down);
        each(out, m, LayerWeights::up);
        out.m(m.finalNorm());
        out.m(Matrix.zeros(1, c.maxPositions() * s.headDim()));   // freq_cis real + imag
        if (!c.tieWordEmbeddings()) out.m(m.lmHead());
        return out.bytes();
    }

    private static byte[] v1(LlamaModel m) {
        ModelConfig c = m.config();
        LayerShape s = c.layer(0);
        Out out = new Out();
        out.ints(Llama2cCheckpoint.MAGIC_V1, 1, c.hiddenSize(), s.intermediate(), c.numLayers(), s.heads(), s.kvHeads(),
                c.vocabSize(), c.maxPositions());
        out.buf.write(c.tieWordEmbeddings() ? 1 : 0);
        out.buf.writeBytes(new byte[Llama2cCheckpoint.V1_HEADER_BYTES - out.buf.size()]);
        each(out, m, LayerWeights::attnNorm);
        each(out, m, LayerWeights::mlpNorm);
        out.m(m.finalNorm());
        out.m(m.embed());
        each(out, m, l -> toInterleaved(l.wq(), s.headDim()));
        each(out, m, l -> toInterleaved(l.wk(), s.headDim()));
        each(out, m, LayerWeights::wv);
        each(out, m, LayerWeights::wo);
        each(out, m, LayerWeights::gate);
        each(out, m, LayerWeights::down);
        each(out, m, LayerWeights::up);
        if (!c.tieWordEmbeddings()) out.m(m.lmHead());
        return out.bytes();
    }

    private static void each(Out out, LlamaModel m, Function<LayerWeights, Matrix> f) {
        for (LayerWeights l : m.layers()) out.m(f.apply(l));
    }

    /** The inverse of the reader's permutation: llama2.c row 2i+j = HF row j·hd/2+i. */
    private static Matrix toInterleaved(Matrix w, int hd) {
        int[] order = new int[w.rows()];
        for (int base = 0; base < w.rows(); base += hd) {
            for (int i = 0; i < hd / 2; i++) {
                for (int j = 0; j < 2; j++) order[base + 2 * i + j] = base + j * hd / 2 + i;
            }
        }
        return w.selectRows(order);
    }

    private static final class Out {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        void ints(int... v) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int x : v) b.putInt(x);
            buf.writeBytes(b.array());
        }

        void m(Matrix m) {
            buf.writeBytes(TestModels.bytes(m));
        }

        byte[] bytes() { return buf.toByteArray(); }
    }

}
