package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointsRoundTripTest {
    @TempDir
    Path dir;

    private static final List<LayerShape> UNEVEN_GQA = List.of(
            new LayerShape(4, 2, 4, 24), new LayerShape(2, 1, 4, 10), new LayerShape(4, 4, 4, 0),
            new LayerShape(0, 0, 4, 8));   // last layer: attention removed entirely

    @ParameterizedTest
    @EnumSource(DType.class)
    void unevenGqaModelRoundTripsBitExactly(DType dtype) {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, false, false, false, false), dtype, 7);
        Path out = dir.resolve("m");
        Checkpoints.saveHf(model, out, false);
        LlamaModel back = Checkpoints.load(out);
        assertEquals(model.config(), back.config());
        TestModels.assertSameTensors(model, back);
        assertTrue(back.embed().segment().isMapped(), "loaded tensors stay memory-mapped");
        assertEquals(dtype, HfConfig.torchDtype(out.resolve("config.json")));
    }

    @Test
    void tiedEmbeddingsShareOneMatrix() {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, true, false, false, false, false), DType.BF16, 3);
        Path out = dir.resolve("tied");
        Checkpoints.saveHf(model, out, false);
        LlamaModel back = Checkpoints.load(out);
        assertSame(back.embed(), back.lmHead());
        assertNull(SafeTensorsFile.open(out.resolve("model.safetensors")).info("lm_head.weight"));
        TestModels.assertSameTensors(model, back);
    }

    @Test
    void fullBiasesRoundTripAndAreOneDimensional() {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, true, true, true, true), DType.F32, 5);
        Path out = dir.resolve("bias");
        Checkpoints.saveHf(model, out, false);
        LlamaModel back = Checkpoints.load(out);
        assertEquals(model.config(), back.config());
        TestModels.assertSameTensors(model, back);
        SafeTensorsFile st = SafeTensorsFile.open(out.resolve("model.safetensors"));
        assertEquals(List.of(4L * 4), st.info("model.layers.0.self_attn.q_proj.bias").shape());
        assertEquals(List.of(16L), st.info("model.norm.weight").shape());
    }

    @Test
    void partialBiasesAreFilledWithZeros() {
        // Qwen2-style q/k/v biases without an o bias, and a FLAP-style down bias alone.
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, true, false, false, true), DType.F16, 9);
        Path out = dir.resolve("partial");
        Checkpoints.saveHf(model, out, false);
        LlamaModel back = Checkpoints.load(out);
        ModelConfig c = back.config();
        assertTrue(c.qkvBias() && c.oBias() && c.mlpBias() && c.downBias());
        TestModels.assertSameMatrix("bq", model.layer(1).bq(), back.layer(1).bq());
        TestModels.assertSameMatrix("bDown", model.layer(1).bDown(), back.layer(1).bDown());
        assertArrayEquals(new float[16], back.layer(1).bo().toFloats());
        assertArrayEquals(new float[10], back.layer(1).bGate().toFloats());
        assertEquals(DType.F16, back.layer(1).bo().dtype());
    }

    @Test
    void refusesExistingFolderUnlessForced() throws Exception {
        LlamaModel a = TestModels.random(TestModels.config(UNEVEN_GQA, false, false, false, false, false), DType.F32, 1);
        LlamaModel b = TestModels.random(TestModels.config(UNEVEN_GQA, true, false, false, false, false), DType.BF16, 2);
        Path out = dir.resolve("existing");
        Checkpoints.saveHf(a, out, false);
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.saveHf(b, out, false));
        assertTrue(e.getMessage().contains("existing") && e.getMessage().contains("already exists"), e.getMessage());
        TestModels.assertSameTensors(a, Checkpoints.load(out));

        Checkpoints.saveHf(b, out, true);
        TestModels.assertSameTensors(b, Checkpoints.load(out));
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(out), entries.toList(), "no temporary or backup folders left behind");
        }
    }

    @Test
    void wrongTensorShapeNamesTensorShapesAndFile() throws Exception {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, false, false, false, false), DType.F32, 4);
        Path out = dir.resolve("bad");
        Checkpoints.saveHf(model, out, false);
        // Claim layer 1 has 4 heads while its q_proj holds 2.
        Path config = out.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"num_attention_heads_per_layer\" : \\[ 4, 2", "\"num_attention_heads_per_layer\" : [ 4, 4"));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(out));
        String m = e.getMessage();
        assertTrue(m.contains("model.layers.1.self_attn.q_proj.weight") && m.contains("[8, 16]") && m.contains("[16, 16]")
                && m.contains("model.safetensors"), m);
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path out = dir.resolve("missing");
        Files.createDirectories(out);
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, true, false, false, false, false), DType.F32, 4);
        HfConfig.write(model.config(), DType.F32, out.resolve("config.json"));
        SafeTensorsWriter.write(out.resolve("model.safetensors"),
                Map.of("model.embed_tokens.weight", ShapedTensor.matrix(model.embed())));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(out));
        assertTrue(e.getMessage().contains("model.layers.0.input_layernorm.weight")
                && e.getMessage().contains("model.safetensors") && e.getMessage().contains("[16]"), e.getMessage());
    }

    @Test
    void missingOrUnrecognisedPathsAreBadInput() throws Exception {
        assertThrows(BadInputException.class, () -> Checkpoints.load(dir.resolve("nope")));
        Path txt = Files.writeString(dir.resolve("notes.txt"), "hello");
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(txt));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(BadInputException.class, () -> Checkpoints.load(empty));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void shardedCheckpointLoads() throws Exception {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, false, false, false, false), DType.BF16, 11);
        Path out = dir.resolve("sharded");
        writeSharded(model, out, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");
        LlamaModel back = Checkpoints.load(out);
        TestModels.assertSameTensors(model, back);
    }

    @Test
    void missingShardIsNamed() throws Exception {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, false, false, false, false), DType.F32, 11);
        Path out = dir.resolve("gone");
        writeSharded(model, out, "a.safetensors", "b.safetensors");
        Files.delete(out.resolve("b.safetensors"));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(out));
        assertTrue(e.getMessage().contains("model.safetensors.index.json") && e.getMessage().contains("'b.safetensors'")
                && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void shardOutsideTheFolderIsRefused() throws Exception {
        LlamaModel model = TestModels.random(TestModels.config(UNEVEN_GQA, false, false, false, false, false), DType.F32, 11);
        Path out = dir.resolve("escape");
        writeSharded(model, out, "a.safetensors", "../x.safetensors");
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(out));
        assertTrue(e.getMessage().contains("model.safetensors.index.json") && e.getMessage().contains("'../x.safetensors'")
                && e.getMessage().contains("outside the model folder"), e.getMessage());

        Path abs = dir.resolve("absolute");
        writeSharded(model, abs, "a.safetensors", abs.resolve("b.safetensors").toAbsolutePath().toString());
        e = assertThrows(BadInputException.class, () -> Checkpoints.load(abs));
        assertTrue(e.getMessage().contains("outside the model folder"), e.getMessage());
    }

    /** Splits the model's tensors over two shard files (embeddings and layer 0 in the first) plus an index. */
    private static void writeSharded(LlamaModel model, Path out, String first, String second) throws Exception {
        Files.createDirectories(out);
        HfConfig.write(model.config(), model.embed().dtype(), out.resolve("config.json"));
        Map<String, ShapedTensor> a = new HashMap<>(), b = new HashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        for (Map.Entry<String, Matrix> e : model.namedTensors().entrySet()) {
            String name = e.getKey();
            boolean inFirst = name.startsWith("model.embed") || name.startsWith("model.layers.0.");
            ShapedTensor t = e.getValue().rows() == 1 && !name.endsWith("_proj.weight")
                    ? ShapedTensor.vector(e.getValue()) : ShapedTensor.matrix(e.getValue());
            (inFirst ? a : b).put(name, t);
            if (index.charAt(index.length() - 1) != '{') index.append(',');
            index.append('"').append(name).append("\": \"").append(inFirst ? first : second).append('"');
        }
        index.append("}}");
        SafeTensorsWriter.write(out.resolve(first), a);
        Path secondPath = out.resolve(second).normalize();
        SafeTensorsWriter.write(secondPath, b);
        Files.writeString(out.resolve(ShardedSafeTensors.INDEX_NAME), index);
    }
}
