package dev.lopper.io;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsEveryDtypeBitExactly() throws Exception {
        Random rnd = new Random(1);
        Matrix f32 = TestModels.rand(rnd, 3, 5, DType.F32);
        Matrix bf16 = TestModels.rand(rnd, 4, 2, DType.BF16);
        Matrix f16 = TestModels.rand(rnd, 1, 7, DType.F16);
        Path file = dir.resolve("t.safetensors");
        SafeTensorsWriter.write(file, Map.of(
                "b.f32", ShapedTensor.matrix(f32),
                "a.bf16", ShapedTensor.matrix(bf16),
                "c.norm", ShapedTensor.vector(f16)));

        SafeTensorsFile st = SafeTensorsFile.open(file);
        assertEquals(List.of("a.bf16", "b.f32", "c.norm"), List.copyOf(st.names()), "sorted by name");
        assertEquals(List.of(7L), st.info("c.norm").shape(), "vectors are written 1-D");
        assertEquals(DType.F16, st.info("c.norm").dtype());
        assertEquals(Map.of("format", "pt"), st.metadata());
        TestModels.assertSameMatrix("f32", f32, st.tensor("b.f32"));
        TestModels.assertSameMatrix("bf16", bf16, st.tensor("a.bf16"));
        TestModels.assertSameMatrix("f16", f16, st.tensor("c.norm"));
        assertTrue(st.tensor("b.f32").segment().isMapped(), "tensor data is a view of the mapped file");
    }

    @Test
    void headerIsPaddedToEightBytesWithSpaces() throws Exception {
        Path file = dir.resolve("p.safetensors");
        SafeTensorsWriter.write(file, Map.of("x", ShapedTensor.vector(Matrix.wrap(new float[]{1, 2, 3}, 1, 3))));
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        assertTrue(header.stripTrailing().endsWith("}"));
        assertEquals(8 + n + 12, all.length);
    }

    @Test
    void leavesNoTemporaryFilesAndReplacesAnExistingFile() throws Exception {
        Path file = dir.resolve("r.safetensors");
        SafeTensorsWriter.write(file, Map.of("x", ShapedTensor.vector(Matrix.wrap(new float[]{1}, 1, 1))));
        SafeTensorsWriter.write(file, Map.of("y", ShapedTensor.vector(Matrix.wrap(new float[]{2, 3}, 1, 2))));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        assertEquals(List.of("y"), List.copyOf(SafeTensorsFile.open(file).names()));
    }

    @Test
    void emptyTensorsAreAllowed() throws Exception {
        Path file = dir.resolve("e.safetensors");
        SafeTensorsWriter.write(file, Map.of("empty", ShapedTensor.matrix(Matrix.zeros(0, 4)),
                "x", ShapedTensor.vector(Matrix.wrap(new float[]{5}, 1, 1))));
        SafeTensorsFile st = SafeTensorsFile.open(file);
        assertEquals(0, st.tensor("empty").rows());
        assertEquals(5f, st.tensor("x").get(0, 0));
    }

    @Test
    void shardsLikeHuggingFaceAndMakesEachTensorOnlyWhenWritten() throws Exception {
        Random rnd = new Random(3);
        // 40, 24, 40, 8 bytes with a 64-byte limit: [a, b] (64), [c, d] (48); in order, not sorted.
        List<Matrix> m = List.of(TestModels.rand(rnd, 2, 5, DType.F32), TestModels.rand(rnd, 3, 4, DType.BF16),
                TestModels.rand(rnd, 5, 2, DType.F32), TestModels.rand(rnd, 1, 4, DType.F16));
        String[] names = {"z.first", "a.second", "m.third", "b.fourth"};
        int[] made = new int[1];
        List<SafeTensorsWriter.Tensor> tensors = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Matrix t = m.get(i);
            tensors.add(new SafeTensorsWriter.Tensor(names[i], t.dtype(), new long[]{t.rows(), t.cols()}, () -> {
                made[0]++;
                return t;
            }));
        }
        List<Path> files = SafeTensorsWriter.writeModel(dir, tensors, 64);
        assertEquals(4, made[0], "each tensor made once");
        assertEquals(List.of(dir.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00002-of-00002.safetensors"),
                dir.resolve(ShardedSafeTensors.INDEX_NAME)), files);
        var index = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve(ShardedSafeTensors.INDEX_NAME).toFile());
        assertEquals(40 + 24 + 40 + 8, index.get("metadata").get("total_size").asLong());
        assertEquals("model-00001-of-00002.safetensors", index.get("weight_map").get("z.first").asText());
        assertEquals("model-00001-of-00002.safetensors", index.get("weight_map").get("a.second").asText());
        assertEquals("model-00002-of-00002.safetensors", index.get("weight_map").get("m.third").asText());
        ShardedSafeTensors read = ShardedSafeTensors.open(dir.resolve(ShardedSafeTensors.INDEX_NAME));
        for (int i = 0; i < 4; i++) TestModels.assertSameMatrix(names[i], m.get(i), read.tensor(names[i]));

        Path one = dir.resolve("single");
        assertEquals(List.of(one.resolve(SafeTensorsWriter.SINGLE_FILE)), SafeTensorsWriter.writeModel(one, tensors, 1000),
                "everything within the limit: one model.safetensors, no index");
    }

    @Test
    void aTensorMadeWithAnotherDtypeOrSizeThanItsHeaderIsAnError() {
        Matrix t = Matrix.wrap(new float[]{1, 2}, 1, 2);
        var wrong = new SafeTensorsWriter.Tensor("x", DType.BF16, new long[]{2}, () -> t);
        assertThrows(IllegalStateException.class, () -> SafeTensorsWriter.write(dir.resolve("w.safetensors"), List.of(wrong)));
    }
}
