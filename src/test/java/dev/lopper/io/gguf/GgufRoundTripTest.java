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

    /**
     * A random LLaMA with Llama 3.1 rope scaling, head size 16 and original context 32, so the
     * eight rotated pairs fall in all three bands (unscaled, smoothed, divided by the factor);
     * {@code factor} and {@code low} need not be floats.
     */
    static LlamaModel llama3Scaled(double factor, double low) {
        dev.lopper.model.ModelConfig c = dev.lopper.model.ModelConfig.builder(dev.lopper.model.Family.LLAMA)
                .hiddenSize(32).vocabSize(512).maxPositions(256)
                .layers(java.util.Collections.nCopies(2, new dev.lopper.model.LayerShape(4, 2, 16, 48)))
                .rmsNormEps(1e-5f).ropeTheta(10000f)
                .ropeScaling(new dev.lopper.model.RopeScaling("llama3", factor, low, 4, 32))
                .bosTokenId(1).eosTokenId(2)
                .build();
        return TestModels.randomOfFamily(c, 31, 0.3f, DType.F32);
    }

    @Test
    void llama3RopeScalingReadsBackExactlyAndFromForeignFactors() throws Exception {
        LlamaModel m = llama3Scaled(7.3, 1.1);
        LlamaModel back = roundTrip(m, GgmlType.F32, "llama3");
        assertEquals(m.config().ropeScaling(), back.config().ropeScaling(), "the llama3 parameters, as doubles");
        assertSameLogits(m, back, "llama3 rope scaling");

        // A GGUF without Lopper's keys (as convert_hf_to_gguf.py writes Llama 3.1): the factors themselves
        Path file = tmp.resolve("llama3.gguf");
        GgufFile f = GgufFile.open(file);
        float[] factors = new float[8];
        Quant.decode(GgmlType.F32, f.bytes(f.tensors().get("rope_freqs.weight")), 0, factors, 0, 8);
        assertEquals(1f, factors[0], "pair 0 is above the high-frequency cut");
        assertTrue(factors[1] > 1 && factors[1] < 7.3f, "pair 1 is smoothed: " + factors[1]);
        assertEquals(7.3f, factors[7], 1e-6f, "pair 7 is divided by the factor");
        java.util.Map<String, GgufValue> meta = new java.util.LinkedHashMap<>(GgufExport.metadata(m, GgufLayout.of(m),
                new GgufExport.Options(GgmlType.F32, "foreign")));
        meta.keySet().removeIf(k -> k.startsWith("lopper."));
        Path foreign = tmp.resolve("foreign.gguf");
        GgufWriter.write(foreign, meta, GgufExport.tensors(m, GgufLayout.of(m), GgmlType.F32));
        LlamaModel fromFactors = Checkpoints.load(foreign);
        assertEquals("freqs", fromFactors.config().ropeScaling().type());
        assertArrayEquals(factors, fromFactors.config().ropeScaling().freqFactors());
        int[] tokens = TestModels.tokens(5, 48, 512);
        float[] x = new Transformer(m).logits(tokens, 1, 48, Pass.plain()), y = new Transformer(fromFactors).logits(tokens, 1, 48, Pass.plain());
        double worst = 0;
        for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        assertTrue(worst < 1e-4, "logits from the factors alone differ by " + worst);
        // without the factors the function differs: the test would see a lost rope_freqs.weight
        meta.put("llama.context_length", GgufValue.u32(256));
        Path plain = tmp.resolve("plain.gguf");
        java.util.List<GgufWriter.TensorSpec> noFreqs = new java.util.ArrayList<>(GgufExport.tensors(m, GgufLayout.of(m), GgmlType.F32));
        noFreqs.removeIf(t -> t.name().equals("rope_freqs.weight"));
        GgufWriter.write(plain, meta, noFreqs);
        float[] z = new Transformer(Checkpoints.load(plain)).logits(tokens, 1, 48, Pass.plain());
        double off = 0;
        for (int i = 0; i < x.length; i++) off = Math.max(off, Math.abs(x[i] - z[i]));
        assertTrue(off > 1e-3, "unscaled RoPE should change the logits, max |Δ| " + off);
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
        dev.lopper.io.HfFolder.write(Checkpoints.load(gguf), fromGguf, hf, false);
        dev.lopper.io.Tokenizer fromHf = dev.lopper.io.Tokenizers.forModel(hf, null);
        for (String text : LlamaCppTokenizerTest.TEXTS) {
            int[] expected = original.encode(text, true);
            assertArrayEquals(expected, fromGguf.encode(text, true), "GGUF vocabulary: " + text);
            assertArrayEquals(expected, fromHf.encode(text, true), "its tokenizer.bin in an HF folder: " + text);
        }
    }
}
