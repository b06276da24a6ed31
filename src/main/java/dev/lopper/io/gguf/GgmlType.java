package dev.lopper.io.gguf;

/**
 * Tensor element types of ggml, as numbered in GGUF files. Lopper reads and writes F32, F16,
 * BF16 and Q8_0; the others are listed so that a file using them is refused by name.
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2), Q4_1(3), Q5_0(6), Q5_1(7),
    /** Blocks of 32 values: an fp16 scale d, then 32 int8 q; value = d·q. */
    Q8_0(8, 32, 34),
    Q8_1(9), Q2_K(10), Q3_K(11), Q4_K(12), Q5_K(13), Q6_K(14), Q8_K(15), IQ2_XXS(16), IQ2_XS(17), IQ3_XXS(18),
    IQ1_S(19), IQ4_NL(20), IQ3_S(21), IQ2_S(22), IQ4_XS(23), I8(24), I16(25), I32(26), I64(27), F64(28), IQ1_M(29),
    BF16(30, 1, 2), TQ1_0(34), TQ2_0(35), MXFP4(39);

    public final int id;
    /** Values per block (1 for plain types), 0 when Lopper does not support the type. */
    public final int blockSize;
    public final int blockBytes;

    GgmlType(int id) {
        this(id, 0, 0);
    }

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public boolean supported() { return blockSize > 0; }

    /** The type with this id, or null. */
    public static GgmlType of(long id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    /** Bytes of a row of {@code cols} values; cols must be a multiple of the block size. */
    public long rowBytes(long cols) {
        if (!supported()) throw new IllegalStateException(this + " is not supported");
        if (cols % blockSize != 0) throw new IllegalArgumentException(cols + " values are not whole " + this + " blocks");
        return cols / blockSize * blockBytes;
    }
}
