package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A checkpoint is run as it describes itself or not at all: unknown activations, sliding windows,
 * layer counts and unused tensors; pickles, overflowing llama2.c headers, oversized tokenizers.
 */
class StrictModelTest {
    @TempDir
    Path dir;

    private static final List<LayerShape> TWO = List.of(new LayerShape(4, 2, 4, 12), new LayerShape(4, 2, 4, 12));

    private static final String LLAMA = "{'architectures': ['%s'], 'hidden_size': 64, 'intermediate_size': 172,"
            + " 'num_hidden_layers': 2, 'num_attention_heads': 8, 'vocab_size': 512,"
            + " 'max_position_embeddings': 256%s}";

    private ModelConfig config(String arch, String extra) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, LLAMA.formatted(arch, extra).replace('\'', '"'));
        return HfConfig.read(p);
    }

    private BadInputException refused(String arch, String extra) {
        return assertThrows(BadInputException.class, () -> config(arch, extra));
    }

    @Test
    void hiddenActMustBeSilu() throws IOException {
        assertNotNull(config("LlamaForCausalLM", ", 'hidden_act': 'silu'"));
        assertNotNull(config("LlamaForCausalLM", ", 'hidden_act': 'swish'"));
        assertNotNull(config("LlamaForCausalLM", ""));
        BadInputException e = refused("LlamaForCausalLM", ", 'hidden_act': 'gelu_pytorch_tanh'");
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("gelu_pytorch_tanh"), e.getMessage());
        assertThrows(BadInputException.class, () -> config("MistralForCausalLM", ", 'hidden_act': 'relu'"));
    }

    /** An active window shorter than the context caps the context: within it, sliding attention is full attention. */
    @Test
    void slidingWindowCapsTheContextOnlyWhenActive() throws IOException {
        assertEquals(256, config("MistralForCausalLM", ", 'sliding_window': null").maxPositions());
        assertEquals(64, config("MistralForCausalLM", ", 'sliding_window': 64").maxPositions());
        assertEquals(256, config("MistralForCausalLM", ", 'sliding_window': 4096").maxPositions());
        // Qwen2 configs carry a window that is off unless use_sliding_window is true.
        assertEquals(256, config("Qwen2ForCausalLM", ", 'sliding_window': 32, 'use_sliding_window': false,"
                + " 'max_window_layers': 2").maxPositions());
        assertEquals(32, config("Qwen2ForCausalLM", ", 'sliding_window': 32, 'use_sliding_window': true").maxPositions());
        assertThrows(BadInputException.class, () -> config("MistralForCausalLM", ", 'sliding_window': 'wide'"));
    }

    /** Writes a model folder whose safetensors holds the model's tensors plus {@code extra}. */
    private Path folder(LlamaModel model, Map<String, ShapedTensor> extra) throws IOException {
        Path out = dir.resolve("m" + System.nanoTime());
        Files.createDirectories(out);
        HfConfig.write(model.config(), DType.F32, out.resolve("config.json"));
        Map<String, ShapedTensor> all = new LinkedHashMap<>(HfCheckpointWriter.tensors(model,
                model.config().qkvBias(), model.config().mlpBias()));
        all.putAll(extra);
        SafeTensorsWriter.write(out.resolve("model.safetensors"), all);
        return out;
    }

    private static ShapedTensor vector(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return ShapedTensor.vector(Matrix.fromFloats(v, 1, n, DType.F32));
    }

    @Test
    void unusedTensorsAreRefusedHarmlessOnesAccepted() throws IOException {
        LlamaModel model = TestModels.random(TestModels.config(TWO, false, false, false, false, false), DType.F32, 3);
        // A bias the config does not declare: running without it would be another model.
        Path withBias = folder(model, Map.of("model.layers.1.self_attn.o_proj.bias", vector(16, 0.5f)));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(withBias));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("o_proj.bias")
                && e.getMessage().contains("not used"), e.getMessage());
        // Rotary inv_freq buffers (older Llama checkpoints): Lopper computes RoPE itself.
        Path withInvFreq = folder(model, Map.of("model.layers.0.self_attn.rotary_emb.inv_freq", vector(2, 1f),
                "model.layers.1.self_attn.rotary_emb.inv_freq", vector(2, 1f)));
        assertEquals(model.parameterCount(), Checkpoints.load(withInvFreq).parameterCount());
    }

    @Test
    void tiedLmHeadMustBeACopyOfTheEmbeddings() throws IOException {
        LlamaModel tied = TestModels.random(TestModels.config(TWO, true, false, false, false, false), DType.F32, 5);
        Path copy = folder(tied, Map.of("lm_head.weight", ShapedTensor.matrix(tied.embed())));
        assertNotNull(Checkpoints.load(copy));
        Matrix other = TestModels.rand(new java.util.Random(9), tied.embed().rows(), tied.embed().cols(), DType.F32);
        Path different = folder(tied, Map.of("lm_head.weight", ShapedTensor.matrix(other)));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(different));
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }

    @Test
    void layerCountMustMatchTheTensors() throws IOException {
        LlamaModel model = TestModels.random(TestModels.config(TWO, false, false, false, false, false), DType.F32, 4);
        Path out = folder(model, Map.of());
        Path cfg = out.resolve("config.json");
        String json = Files.readString(cfg);
        Files.writeString(cfg, json.replaceFirst("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 1"));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(out));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("num_hidden_layers is 1")
                && e.getMessage().contains("2 layers"), e.getMessage());
        Files.writeString(cfg, json.replaceFirst("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 3"));
        e = assertThrows(BadInputException.class, () -> Checkpoints.load(out));
        assertTrue(e.getMessage().contains("num_hidden_layers is 3"), e.getMessage());
    }

    /**
     * dim 2^30, one layer, heads 2^29 (head_dim 2), hidden 10^9, vocab 1294967293, seq_len 1: the
     * true size is 2^65 + 36 bytes, which 64-bit arithmetic wraps to exactly 36, this file's size.
     */
    @Test
    void overflowingLlama2cHeaderIsRefused() throws IOException {
        int dim = 1 << 30, hidden = 1_000_000_000, layers = 1, heads = 1 << 29, vocab = 1_294_967_293, seqLen = 1;
        BigInteger d = BigInteger.valueOf(dim), floats = BigInteger.valueOf(vocab).multiply(d)
                .add(d.multiply(BigInteger.TWO))                                            // norms
                .add(d.multiply(d).multiply(BigInteger.valueOf(4)))                         // q, k, v, o (kv = dim)
                .add(BigInteger.valueOf(3L * hidden).multiply(d))                           // w1, w2, w3
                .add(d)                                                                     // final norm
                .add(BigInteger.valueOf(seqLen * 2L));                                      // freq_cis
        BigInteger bytes = floats.multiply(BigInteger.valueOf(4)).add(BigInteger.valueOf(28));
        assertTrue(bytes.bitLength() > 63, "the true size does not fit a long");
        assertEquals(36, bytes.longValue(), "and wraps to the file's size, so a long-based check would pass");

        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {dim, hidden, layers, heads, heads, vocab, seqLen}) b.putInt(v);
        Path file = dir.resolve("crafted.bin");
        Files.write(file, b.array());
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(file));
        assertTrue(e.getMessage().contains("crafted.bin") && e.getMessage().contains("2^63"), e.getMessage());
    }

    @Test
    void pyTorchPicklesAreRecognised() throws IOException {
        Path zip = dir.resolve("pytorch_model.bin");           // torch.save since 1.6: a zip archive
        Files.write(zip, new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0});
        Path legacy = dir.resolve("model.pt");                 // legacy: pickle protocol 2, LONG1 magic number
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46});
        for (Path p : List.of(zip, legacy)) {
            BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(p));
            assertTrue(e.getMessage().contains(p.getFileName().toString()) && e.getMessage().contains("PyTorch pickle")
                    && e.getMessage().contains("safetensors"), e.getMessage());
        }
        Path folder = dir.resolve("hf");
        Files.createDirectories(folder);
        config("LlamaForCausalLM", "");
        Files.copy(dir.resolve("config.json"), folder.resolve("config.json"));
        Files.copy(zip, folder.resolve("pytorch_model.bin"));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(folder));
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("safetensors"), e.getMessage());
    }

    /** A llama2.c v0 file with dim 640 starts 0x80 0x02 like a pickle; it is not mistaken for one. */
    @Test
    void llama2cDim640IsNotAPickle() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {640, 1728, 1, 10, 10, 32, 8}) b.putInt(v);
        Path file = dir.resolve("dim640.bin");
        Files.write(file, b.array());
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(file));
        assertFalse(e.getMessage().contains("pickle"), e.getMessage());
        assertTrue(e.getMessage().contains("implies"), "read as llama2.c (size check): " + e.getMessage());
    }

    @Test
    void jacksonInternalsDoNotReachTheUser() throws IOException {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\n  \"hidden_size\": 64,\n  oops\n}");
        BadInputException e = assertThrows(BadInputException.class, () -> HfConfig.read(cfg));
        String m = e.getMessage();
        assertFalse(m.contains("Source") || m.contains("REDACTED") || m.contains("\n"), m);
        assertTrue(m.contains("config.json") && m.contains("line 3"), m);
        Path index = dir.resolve(ShardedSafeTensors.INDEX_NAME);
        Files.writeString(index, "{\"weight_map\": [1,");
        m = assertThrows(BadInputException.class, () -> ShardedSafeTensors.open(index)).getMessage();
        assertFalse(m.contains("Source") || m.contains("REDACTED") || m.contains("\n"), m);
    }

    @Test
    void tokenizerLargerThanTheModelIsRefusedNamingBothFiles() {
        Path tok = Path.of("models/tiny-llama-gqa-8m/tokenizer.json");
        Path model = Path.of("models/tiny-llama-gqa-8m");
        try (Tokenizer t = Tokenizers.forModel(model, tok, 8192)) {
            assertEquals(8192, t.vocabSize());
        }
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizers.forModel(model, tok, 512));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("8192")
                && e.getMessage().contains("512") && e.getMessage().contains("tiny-llama-gqa-8m"), e.getMessage());
    }

    /** The strict checks accept every real model here: the embedded one and ../shared/data's, with their tokenizers. */
    @Test
    void realModelsStillLoad() throws IOException {
        List<Path> models = new java.util.ArrayList<>(List.of(Path.of("models/tiny-llama-gqa-8m")));
        Path shared = Path.of("../shared/data/models");
        if (Files.isDirectory(shared)) {
            try (Stream<Path> s = Files.list(shared)) {
                s.filter(p -> Files.isRegularFile(p.resolve("config.json"))).sorted().forEach(models::add);
            }
            Path bin = shared.resolve("stories260K/stories260K.bin");
            if (Files.isRegularFile(bin)) models.add(bin);
        }
        assumeTrue(models.size() > 1, "../shared/data/models is absent: only the embedded model checked");
        for (Path m : models) {
            LlamaModel loaded = Checkpoints.load(m);
            try (Tokenizer t = Tokenizers.forModel(m, null, loaded.config().vocabSize())) {
                assertTrue(t.vocabSize() <= loaded.config().vocabSize(), m.toString());
            }
        }
    }
}
