package dev.lopper.tensor;

/** Storage element types Lopper reads and writes. Compute is always fp32. */
public enum DType {
    F32(4, "F32", "float32"),
    BF16(2, "BF16", "bfloat16"),
    F16(2, "F16", "float16");

    public final int bytes;
    /** The dtype string in a safetensors header. */
    public final String safetensorsName;
    /** The dtype string in a Hugging Face config.json ({@code torch_dtype}). */
    public final String torchName;

    DType(int bytes, String safetensorsName, String torchName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
        this.torchName = torchName;
    }

    /** Parses a safetensors dtype string; returns null when Lopper does not support it. */
    public static DType fromSafetensors(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        return null;
    }

    public static DType fromTorch(String name) {
        if (name == null) return null;
        for (DType d : values()) if (d.torchName.equals(name)) return d;
        return null;
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Round-to-nearest-even fp32 → bf16, NaN kept as a quiet NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7fffffff) > 0x7f800000) return (short) ((x >>> 16) | 0x40);
        int rounding = 0x7fff + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }
}
