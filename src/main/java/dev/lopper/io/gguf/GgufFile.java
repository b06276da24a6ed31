package dev.lopper.io.gguf;

import dev.lopper.BadInputException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF v3 file, memory-mapped: its metadata and tensor infos are parsed and checked up front
 * (every length against the bytes that remain, every tensor's data against the file's end), so
 * a damaged file is refused with one line naming the problem, never read out of bounds.
 */
public final class GgufFile {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_DIMS = 4;

    /** A tensor's name, ggml shape (ne[0] innermost), type and byte offset from the start of the file. */
    public record TensorInfo(String name, long[] ne, GgmlType type, long fileOffset, long byteSize) {
        @Override
        public long[] ne() { return ne.clone(); }

        public long rows() {
            long r = 1;
            for (int i = 1; i < ne.length; i++) r *= ne[i];
            return r;
        }

        public long cols() { return ne[0]; }
    }

    private final Path file;
    private final MemorySegment data;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long alignment;
    private final long dataStart;

    private GgufFile(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
        Cursor c = new Cursor();
        int magic = (int) c.u32("the magic number");
        if (magic != GgufWriter.MAGIC) {
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) b[i] = (byte) (magic >>> (8 * i));
            throw bad("not a GGUF file (starts with " + printable(b) + ", not \"GGUF\")");
        }
        version = (int) c.u32("the version");
        if (version != 3)
            throw bad("GGUF version " + Integer.toUnsignedString(version) + " is not supported (Lopper reads version 3)");
        long nTensors = c.u64("the tensor count");
        long nKv = c.u64("the metadata count");
        // Each metadata entry takes at least 12 bytes, each tensor info at least 24.
        if (nKv < 0 || nKv > c.remaining() / 12) throw bad("is truncated or damaged: claims " + Long.toUnsignedString(nKv) + " metadata entries, more than its " + data.byteSize() + " bytes can hold");
        if (nTensors < 0 || nTensors > c.remaining() / 24) throw bad("is truncated or damaged: claims " + Long.toUnsignedString(nTensors) + " tensors, more than its " + data.byteSize() + " bytes can hold");
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = c.string("a metadata key");
            long typeId = c.u32("the type of '" + key + "'");
            GgufValueType type = GgufValueType.of(typeId);
            if (type == null) throw bad("metadata key '" + key + "' has unknown value type " + typeId);
            if (meta.put(key, c.value(key, type)) != null) throw bad("metadata key '" + key + "' appears twice");
        }
        metadata = Collections.unmodifiableMap(meta);
        GgufValue align = meta.get("general.alignment");
        alignment = align == null ? GgufWriter.ALIGNMENT : u32Of("general.alignment", align);
        if (alignment <= 0 || Long.bitCount(alignment) != 1) throw bad("general.alignment " + alignment + " is not a power of two");
        List<Object[]> raw = new ArrayList<>();
        for (long i = 0; i < nTensors; i++) {
            String name = c.string("a tensor name");
            long dims = c.u32("the dimension count of tensor '" + name + "'");
            if (dims < 1 || dims > MAX_DIMS) throw bad("tensor '" + name + "' has " + dims + " dimensions (1 to 4 allowed)");
            long[] ne = new long[(int) dims];
            for (int d = 0; d < dims; d++) {
                ne[d] = c.u64("a dimension of tensor '" + name + "'");
                if (ne[d] <= 0 || ne[d] > (1L << 40))
                    throw bad("tensor '" + name + "' has dimension " + Long.toUnsignedString(ne[d]));
            }
            long typeId = c.u32("the type of tensor '" + name + "'");
            GgmlType type = GgmlType.of(typeId);
            if (type == null) throw bad("tensor '" + name + "' has unknown ggml type id " + typeId);
            long offset = c.u64("the data offset of tensor '" + name + "'");
            raw.add(new Object[]{name, ne, type, offset});
        }
        dataStart = (c.pos + alignment - 1) / alignment * alignment;
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (Object[] r : raw) {
            String name = (String) r[0];
            long[] ne = (long[]) r[1];
            GgmlType type = (GgmlType) r[2];
            long offset = (Long) r[3];
            long size = -1;
            if (type.supported()) {
                if (ne[0] % type.blockSize != 0)
                    throw bad("tensor '" + name + "' has rows of " + ne[0] + " values, not whole " + type + " blocks");
                long rows = 1;
                for (int d = 1; d < ne.length; d++) rows = Math.multiplyExact(rows, ne[d]);
                size = Math.multiplyExact(type.rowBytes(ne[0]), rows);
                if (offset < 0 || offset % alignment != 0)
                    throw bad("tensor '" + name + "' starts at offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
                if (offset > data.byteSize() - dataStart || size > data.byteSize() - dataStart - offset)
                    throw bad("tensor '" + name + "' data [" + (dataStart + offset) + ", " + (dataStart + offset + size)
                            + ") lies outside the file of " + data.byteSize() + " bytes");
            }
            if (infos.put(name, new TensorInfo(name, ne, type, dataStart + offset, size)) != null)
                throw bad("tensor '" + name + "' appears twice");
        }
        tensors = Collections.unmodifiableMap(infos);
    }

    /** Maps and parses {@code file}; a damaged or unsupported file is a {@link BadInputException}. */
    public static GgufFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            return new GgufFile(file, seg);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    public Path file() { return file; }

    public int version() { return version; }

    public Map<String, GgufValue> metadata() { return metadata; }

    public Map<String, TensorInfo> tensors() { return tensors; }

    public long alignment() { return alignment; }

    public long dataStart() { return dataStart; }

    public MemorySegment segment() { return data; }

    /** The tensor's bytes (only for supported types). */
    public MemorySegment bytes(TensorInfo t) {
        return data.asSlice(t.fileOffset(), t.byteSize());
    }

    BadInputException bad(String problem) {
        return new BadInputException(file, problem);
    }

    // ------------------------------------------------------------------ typed metadata

    public boolean has(String key) { return metadata.containsKey(key); }

    /** An unsigned or signed 32-bit integer key (llama.cpp accepts either); required. */
    public long u32(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) throw bad("has no metadata key '" + key + "'");
        return u32Of(key, v);
    }

    public long u32(String key, long otherwise) {
        return has(key) ? u32(key) : otherwise;
    }

    private long u32Of(String key, GgufValue v) {
        if (v.type() != GgufValueType.UINT32 && v.type() != GgufValueType.INT32)
            throw bad("metadata key '" + key + "' has type " + v.type().lower() + ", expected uint32");
        return (Long) v.value();
    }

    public double f32(String key, double otherwise) {
        GgufValue v = metadata.get(key);
        if (v == null) return otherwise;
        if (v.type() != GgufValueType.FLOAT32) throw bad("metadata key '" + key + "' has type " + v.type().lower() + ", expected float32");
        return (Double) v.value();
    }

    /** A float64 key (Lopper's own keys that must keep a double exactly). */
    public double f64(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) throw bad("has no metadata key '" + key + "'");
        if (v.type() != GgufValueType.FLOAT64) throw bad("metadata key '" + key + "' has type " + v.type().lower() + ", expected float64");
        return (Double) v.value();
    }

    public String string(String key, String otherwise) {
        GgufValue v = metadata.get(key);
        if (v == null) return otherwise;
        if (v.type() != GgufValueType.STRING) throw bad("metadata key '" + key + "' has type " + v.type().lower() + ", expected string");
        return (String) v.value();
    }

    public boolean bool(String key, boolean otherwise) {
        GgufValue v = metadata.get(key);
        if (v == null) return otherwise;
        if (v.type() != GgufValueType.BOOL) throw bad("metadata key '" + key + "' has type " + v.type().lower() + ", expected bool");
        return (Boolean) v.value();
    }

    /**
     * A per-layer integer: the key is a uint32/int32 scalar (the same for every layer) or an
     * array of {@code n} of them (llama.cpp's get_key_or_arr).
     */
    public int[] perLayer(String key, int n) {
        GgufValue v = metadata.get(key);
        if (v == null) throw bad("has no metadata key '" + key + "'");
        int[] out = new int[n];
        if (v.type() == GgufValueType.ARRAY) {
            if (v.elementType() != GgufValueType.INT32 && v.elementType() != GgufValueType.UINT32)
                throw bad("metadata key '" + key + "' is an array of " + v.elementType().lower() + ", expected int32");
            if (v.list().size() != n) throw bad("metadata key '" + key + "' has " + v.list().size() + " values for " + n + " layers");
            for (int i = 0; i < n; i++) out[i] = Math.toIntExact((Long) v.list().get(i));
        } else {
            Arrays.fill(out, Math.toIntExact(u32Of(key, v)));
        }
        for (int x : out) if (x < 0) throw bad("metadata key '" + key + "' has negative value " + x);
        return out;
    }

    /** An array of the given element type; required. */
    public List<Object> array(String key, GgufValueType element) {
        GgufValue v = metadata.get(key);
        if (v == null) throw bad("has no metadata key '" + key + "'");
        if (v.type() != GgufValueType.ARRAY || v.elementType() != element)
            throw bad("metadata key '" + key + "' has type " + v + ", expected array<" + element.lower() + ">");
        return v.list();
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) s.append(x >= 32 && x < 127 ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        return s.append('"').toString();
    }

    /** Reads little-endian values, checking each against the end of the file. */
    private final class Cursor {
        long pos;

        long remaining() { return data.byteSize() - pos; }

        private void need(long n, String what) {
            if (n < 0 || n > remaining())
                throw bad("is truncated: " + what + " at byte " + pos + " needs " + Long.toUnsignedString(n)
                        + " bytes, " + remaining() + " remain");
        }

        long u32(String what) {
            need(4, what);
            long v = Integer.toUnsignedLong(data.get(U32, pos));
            pos += 4;
            return v;
        }

        long u64(String what) {
            need(8, what);
            long v = data.get(U64, pos);
            pos += 8;
            return v;
        }

        String string(String what) {
            long n = u64("the length of " + what);
            if (n < 0 || n > remaining())
                throw bad("is truncated or damaged: " + what + " at byte " + (pos - 8) + " claims "
                        + Long.toUnsignedString(n) + " bytes, " + remaining() + " remain");
            byte[] b = data.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
            pos += n;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw bad(what + " at byte " + (pos - n) + " is not UTF-8");
            }
        }

        GgufValue value(String key, GgufValueType type) {
            if (type == GgufValueType.ARRAY) {
                long elemId = u32("the element type of '" + key + "'");
                GgufValueType elem = GgufValueType.of(elemId);
                if (elem == null) throw bad("metadata key '" + key + "' is an array of unknown type " + elemId);
                if (elem == GgufValueType.ARRAY) throw bad("metadata key '" + key + "' is an array of arrays (not supported)");
                long n = u64("the length of '" + key + "'");
                long min = elem == GgufValueType.STRING ? 8 : elem.bytes;
                if (n < 0 || n > remaining() / min)
                    throw bad("metadata key '" + key + "' claims an array of " + Long.toUnsignedString(n) + " "
                            + elem.lower() + " values, more than the " + remaining() + " bytes left can hold");
                List<Object> values = new ArrayList<>((int) n);
                for (long i = 0; i < n; i++) values.add(scalar(key, elem));
                return new GgufValue(type, elem, Collections.unmodifiableList(values));
            }
            return new GgufValue(type, null, scalar(key, type));
        }

        private Object scalar(String key, GgufValueType t) {
            String what = "the value of '" + key + "'";
            return switch (t) {
                case UINT8 -> { need(1, what); yield (long) (data.get(ValueLayout.JAVA_BYTE, pos++) & 0xff); }
                case INT8 -> { need(1, what); yield (long) data.get(ValueLayout.JAVA_BYTE, pos++); }
                case UINT16, INT16 -> {
                    need(2, what);
                    short s = data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
                    pos += 2;
                    yield t == GgufValueType.UINT16 ? (long) (s & 0xffff) : (long) s;
                }
                case UINT32 -> u32(what);
                case INT32 -> (long) (int) u32(what);
                case UINT64, INT64 -> u64(what);
                case FLOAT32 -> (double) Float.intBitsToFloat((int) u32(what));
                case FLOAT64 -> Double.longBitsToDouble(u64(what));
                case BOOL -> { need(1, what); yield data.get(ValueLayout.JAVA_BYTE, pos++) != 0; }
                case STRING -> string(what);
                case ARRAY -> throw new IllegalStateException();
            };
        }
    }
}
