package dev.lopper.io.gguf;

import dev.lopper.model.Pass;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Export → Lopper reads the GGUF back → the same shapes and the same logits as the source model. */
class GgufRoundTripTest {
    @TempDir
    Path tmp;

    private LlamaModel roundTrip(LlamaModel model, GgmlType type, String name) {
        Path file = tmp.resolve(name + ".gguf");
        GgufExport.write(model, Map.of(), new GgufExport.Options(type, name), file);
        return Checkpoints.load(file);
    }

    private static void assertSameLogits(LlamaModel a, LlamaModel b, String what) {
        int vocab = a.config().vocabSize();
        int[] tokens = TestModels.tokens(5, 2 * 24, vocab);
        float[] x = new Transformer(a).logits(tokens, 2, 24, Pass.plain());
        float[] y = new Transformer(b).logits(tokens, 2, 24, Pass.plain());
        assertArrayEquals(x, y, what + ": logits");
    }

    @Test
    void fixtureInF32AndBf16GivesIdenticalLogits() {
        LlamaModel dense = Checkpoints.load(LlamaCppClientTest.FIXTURE);       // stored as bf16: both exports are exact
        for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.BF16}) {
            LlamaModel back = roundTrip(dense, t, "dense-" + t);
            assertEquals(dense.config(), back.config(), t + ": config");
            assertSameLogits(dense, back, "dense " + t);
        }
    }

    @Test
    void perLayerShapesWithBiasesAndEmptiedBlocksComeBackAsTheyWere() {
        LlamaModel deci = LlamaCppClientTest.nonUniform(Checkpoints.load(LlamaCppClientTest.FIXTURE));
        LlamaModel back = roundTrip(deci, GgmlType.F32, "deci");
        assertEquals(deci.config().layers(), back.config().layers(), "per-layer shapes, emptied blocks included");
        for (int l = 0; l < deci.config().numLayers(); l++) {
            assertEquals(deci.layer(l).bo() != null, back.layer(l).bo() != null, "layer " + l + " o bias");
            assertEquals(deci.layer(l).bDown() != null, back.layer(l).bDown() != null, "layer " + l + " down bias");
        }
        assertSameLogits(deci, back, "deci");
    }

    @Test
    void tiedEmbeddingsAndGqaInATinyRandomModel() {
        LlamaModel m = TestModels.uneven(3, false, true, DType.F32);
        LlamaModel back = roundTrip(m, GgmlType.F32, "tiny");
        assertEquals(m.config(), back.config());
        assertSame(back.embed(), back.lmHead(), "tied: the LM head is the embedding");
        assertSameLogits(m, back, "tiny");
    }

    @Test
    void theGgufVocabularyTokenizesAsTheOriginalAndSurvivesAnHfExport() {
        LlamaModel dense = Checkpoints.load(LlamaCppClientTest.FIXTURE);
        dev.lopper.io.Tokenizer original = dev.lopper.io.Tokenizers.forModel(LlamaCppClientTest.FIXTURE, null);
        Path gguf = tmp.resolve("with-vocab.gguf");
        GgufExport.write(dense, GgufTokenizerMetadata.of(original), new GgufExport.Options(GgmlType.BF16, "v"), gguf);
        dev.lopper.io.Tokenizer fromGguf = dev.lopper.io.Tokenizers.forModel(gguf, null);
        Path hf = tmp.resolve("hf");
        dev.lopper.pipeline.PrunedModelWriter.writeFolder(Checkpoints.load(gguf), fromGguf, hf, false);
        dev.lopper.io.Tokenizer fromHf = dev.lopper.io.Tokenizers.forModel(hf, null);
        for (String text : LlamaCppTokenizerTest.TEXTS) {
            int[] expected = original.encode(text, true);
            assertArrayEquals(expected, fromGguf.encode(text, true), "GGUF vocabulary: " + text);
            assertArrayEquals(expected, fromHf.encode(text, true), "its tokenizer.bin in an HF folder: " + text);
        }
    }
}
