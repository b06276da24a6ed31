package dev.lopper.io.gguf;

/** The value types of GGUF metadata, with their ids in the file. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    /** Bytes of one value, or -1 when the size depends on the value (strings, arrays). */
    public final int bytes;

    GgufValueType(int id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** The type with this id, or null. */
    public static GgufValueType of(long id) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        return null;
    }

    public String lower() { return name().toLowerCase(); }
}
