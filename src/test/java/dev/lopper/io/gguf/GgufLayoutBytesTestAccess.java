package dev.lopper.io.gguf;

import java.nio.charset.StandardCharsets;

/** Hand-built GGUF headers for bad-input tests in other packages (little-endian, v3). */
public final class GgufLayoutBytesTestAccess {
    private GgufLayoutBytesTestAccess() {}

    public static Object header(long tensors, long kvs) {
        GgufLayoutBytesTest.Le e = new GgufLayoutBytesTest.Le();
        e.raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors).u64(kvs);
        return e;
    }

    public static void kv(Object e, String key, String value) {
        ((GgufLayoutBytesTest.Le) e).str(key).u32(8).str(value);
    }

    public static void kvU32(Object e, String key, int value) {
        ((GgufLayoutBytesTest.Le) e).str(key).u32(4).u32(value);
    }

    public static void arrayHeader(Object e, String key, int elementType, long count) {
        ((GgufLayoutBytesTest.Le) e).str(key).u32(9).u32(elementType).u64(count);
    }

    public static void rawString(Object e, long claimedLength) {
        ((GgufLayoutBytesTest.Le) e).u64(claimedLength);
    }

    public static void tensor(Object e, String name, long[] ne, int type, long offset) {
        GgufLayoutBytesTest.Le le = (GgufLayoutBytesTest.Le) e;
        le.str(name).u32(ne.length);
        for (long d : ne) le.u64(d);
        le.u32(type).u64(offset);
    }

    /** The header so far, padded to 32, plus {@code dataBytes} zero bytes. */
    public static byte[] finish(Object e, int dataBytes) {
        GgufLayoutBytesTest.Le le = (GgufLayoutBytesTest.Le) e;
        le.padTo(32);
        for (int i = 0; i < dataBytes; i++) le.u8(0);
        return le.bytes();
    }
}
