package dev.lopper.io.gguf;

import java.util.List;

/**
 * One typed metadata value. Scalars are held as Long (integers), Double (floats), Boolean or
 * String; arrays as a List of those with {@code elementType} set.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public static GgufValue u32(long v) { return new GgufValue(GgufValueType.UINT32, null, v); }

    public static GgufValue i32(long v) { return new GgufValue(GgufValueType.INT32, null, v); }

    public static GgufValue f32(double v) { return new GgufValue(GgufValueType.FLOAT32, null, v); }

    public static GgufValue f64(double v) { return new GgufValue(GgufValueType.FLOAT64, null, v); }

    public static GgufValue bool(boolean v) { return new GgufValue(GgufValueType.BOOL, null, v); }

    public static GgufValue string(String v) { return new GgufValue(GgufValueType.STRING, null, v); }

    public static GgufValue strings(List<String> v) { return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, List.copyOf(v)); }

    public static GgufValue i32s(int[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, java.util.Arrays.stream(v).mapToObj(x -> (Object) (long) x).toList());
    }

    public static GgufValue f32s(float[] v) {
        Object[] boxed = new Object[v.length];
        for (int i = 0; i < v.length; i++) boxed[i] = (double) v[i];
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, List.of(boxed));
    }

    /** The array's elements; only for arrays. */
    @SuppressWarnings("unchecked")
    public List<Object> list() {
        if (type != GgufValueType.ARRAY) throw new IllegalStateException("not an array: " + type);
        return (List<Object>) value;
    }

    @Override
    public String toString() {
        if (type == GgufValueType.ARRAY) return "array<" + elementType.lower() + ">[" + list().size() + "]";
        return type.lower() + " " + value;
    }
}
