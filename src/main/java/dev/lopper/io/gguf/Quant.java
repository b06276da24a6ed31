package dev.lopper.io.gguf;

import dev.lopper.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encoding fp32 rows into ggml's element types and decoding them back. */
final class Quant {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quant() {}

    /** Appends {@code n} values of {@code src} from {@code off}, encoded as {@code type}, to {@code dst} (little-endian). */
    static void encode(GgmlType type, float[] src, int off, int n, ByteBuffer dst) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) dst.putFloat(src[off + i]);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst.putShort(Float.floatToFloat16(src[off + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst.putShort(DType.floatToBf16(src[off + i]));
            }
            case Q8_0 -> {
                for (int b = 0; b < n; b += 32) encodeQ8Block(src, off + b, dst);
            }
            default -> throw new IllegalArgumentException("cannot write " + type);
        }
    }

    /**
     * One Q8_0 block as ggml's reference quantizer makes it: d = max|x| / 127 stored as fp16,
     * q = round(x / d) with halves away from zero.
     */
    private static void encodeQ8Block(float[] x, int off, ByteBuffer dst) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        dst.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            float v = x[off + j] * id;
            dst.put((byte) (int) Math.copySign(Math.floor(Math.abs(v) + 0.5f), v));
        }
    }

    /** Decodes {@code n} values of {@code type} starting at byte {@code at} of {@code seg} into dst[dstOff..]. */
    static void decode(GgmlType type, MemorySegment seg, long at, float[] dst, int dstOff, int n) {
        switch (type) {
            case F32 -> MemorySegment.copy(seg, F32, at, dst, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(seg.get(I16, at + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOff + i] = DType.bf16ToFloat(seg.get(I16, at + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < n; b += 32) {
                    long base = at + (long) (b / 32) * 34;
                    float d = Float.float16ToFloat(seg.get(I16, base));
                    for (int j = 0; j < 32; j++) dst[dstOff + b + j] = d * seg.get(ValueLayout.JAVA_BYTE, base + 2 + j);
                }
            }
            default -> throw new IllegalArgumentException("cannot read " + type);
        }
    }
}
