package dev.lopper.io.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The writer's bytes for a tiny file against a layout spelled out here from the GGUF v3
 * specification: header, typed keys (arrays of int32 and of strings included), tensor infos
 * with aligned offsets, padding, and the data of an F32, an F16 and a Q8_0 tensor.
 */
class GgufLayoutBytesTest {
    @TempDir
    Path tmp;

    static GgufWriter.RowSource rows(int rows, int cols, float... v) {
        return new GgufWriter.RowSource() {
            public int rows() { return rows; }
            public int cols() { return cols; }
            public void row(int r, float[] dst) { System.arraycopy(v, r * cols, dst, 0, cols); }
        };
    }

    @Test
    void bytesMatchTheSpecification() throws Exception {
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string("llama"));
        meta.put("general.alignment", GgufValue.u32(32));
        meta.put("t.ints", GgufValue.i32s(new int[]{1, -2, 3}));
        meta.put("t.strs", GgufValue.strings(List.of("a", "bc")));
        meta.put("t.eps", GgufValue.f32(0.5));
        meta.put("t.flag", GgufValue.bool(true));
        float[] q = new float[32];
        for (int i = 0; i < 32; i++) q[i] = (i - 16) / 4f;      // max |x| = 4: d = 4/127
        List<GgufWriter.TensorSpec> tensors = List.of(
                new GgufWriter.TensorSpec("a", new long[]{3}, GgmlType.F32, rows(1, 3, 1f, 2f, 3f)),
                new GgufWriter.TensorSpec("b", new long[]{2, 2}, GgmlType.F16, rows(2, 2, 0.5f, -1f, 2f, 65504f)),
                new GgufWriter.TensorSpec("c", new long[]{32}, GgmlType.Q8_0, rows(1, 32, q)));
        Path file = tmp.resolve("tiny.gguf");
        GgufWriter.write(file, meta, tensors);

        Le e = new Le();
        e.raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(3).u64(6);
        e.str("general.architecture").u32(8).str("llama");
        e.str("general.alignment").u32(4).u32(32);
        e.str("t.ints").u32(9).u32(5).u64(3).u32(1).u32(-2).u32(3);
        e.str("t.strs").u32(9).u32(8).u64(2).str("a").str("bc");
        e.str("t.eps").u32(6).f32(0.5f);
        e.str("t.flag").u32(7).u8(1);
        e.str("a").u32(1).u64(3).u32(0).u64(0);                 // F32, 12 bytes at 0
        e.str("b").u32(2).u64(2).u64(2).u32(1).u64(32);         // F16, 8 bytes at 32 (aligned)
        e.str("c").u32(1).u64(32).u32(8).u64(64);               // Q8_0, 34 bytes at 64
        e.padTo(32);
        int dataStart = e.size();
        e.f32(1f).f32(2f).f32(3f).padTo(32);
        assertEquals(dataStart + 32, e.size());
        e.u16(0x3800).u16(0xBC00).u16(0x4000).u16(0x7BFF).padTo(32);   // fp16 bits of 0.5, -1, 2, 65504
        float d = 4f / 127f;
        e.u16(Float.floatToFloat16(d));
        for (float x : q) e.u8((int) Math.copySign(Math.floor(Math.abs(x / d) + 0.5), x));
        e.padTo(32);

        byte[] actual = Files.readAllBytes(file);
        assertEquals(e.size(), actual.length, "file length");
        assertArrayEquals(e.bytes(), actual);

        GgufFile read = GgufFile.open(file);
        assertEquals(dataStart, read.dataStart());
        assertEquals(List.of(1L, -2L, 3L), read.array("t.ints", GgufValueType.INT32));
        assertEquals(List.of("a", "bc"), read.array("t.strs", GgufValueType.STRING));
        assertEquals(0.5, read.f32("t.eps", 0));
        assertTrue(read.bool("t.flag", false));
        float[] back = new float[32];
        Quant.decode(GgmlType.Q8_0, read.bytes(read.tensors().get("c")), 0, back, 0, 32);
        for (int i = 0; i < 32; i++) assertEquals(q[i], back[i], d / 2 + 1e-6, "Q8_0 value " + i);
    }

    @Test
    void aFailingTensorLeavesNoFile() {
        Path file = tmp.resolve("interrupted.gguf");
        GgufWriter.RowSource failing = new GgufWriter.RowSource() {
            public int rows() { return 4; }
            public int cols() { return 8; }
            public void row(int r, float[] dst) {
                if (r == 2) throw new IllegalStateException("interrupted while writing");
            }
        };
        assertThrows(IllegalStateException.class, () -> GgufWriter.write(file, Map.of("general.architecture",
                GgufValue.string("llama")), List.of(new GgufWriter.TensorSpec("x", new long[]{8, 4}, GgmlType.F32, failing))));
        assertFalse(Files.exists(file));
        assertEquals(0, tmp.toFile().list().length, "no temporary file left either");
    }

    /** Little-endian bytes spelled out by hand. */
    static final class Le {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Le raw(byte[] b) { out.writeBytes(b); return this; }
        Le u8(int v) { out.write(v); return this; }
        Le u16(int v) { return raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array()); }
        Le u32(int v) { return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array()); }
        Le u64(long v) { return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }
        Le f32(float v) { return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array()); }
        Le str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); u64(b.length); return raw(b); }
        Le padTo(int a) { while (out.size() % a != 0) out.write(0); return this; }
        int size() { return out.size(); }
        byte[] bytes() { return out.toByteArray(); }
    }
}
