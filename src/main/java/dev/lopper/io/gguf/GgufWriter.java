package dev.lopper.io.gguf;

import dev.lopper.util.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: header, typed metadata, tensor infos, then each tensor's data at an
 * aligned offset. Tensor data is produced row by row from a {@link RowSource} and streamed
 * through a 1 MB buffer, one tensor after the other, each source told when its tensor is written
 * ({@link RowSource#done}: a memory-mapped weight drops its pages), so a model is never held in
 * memory whole, on the heap or as mapped pages. The file is written under a temporary sibling
 * name and renamed into place: it is complete or absent.
 */
public final class GgufWriter {
    public static final int MAGIC = 0x46554747;     // "GGUF" read as a little-endian uint32
    public static final int VERSION = 3;
    public static final int ALIGNMENT = 32;
    private static final int CHUNK = 1 << 20;

    private GgufWriter() {}

    /** A tensor's fp32 rows (ggml's innermost dimension is a row). */
    public interface RowSource {
        int rows();

        int cols();

        /** Writes row r into dst[0 .. cols). */
        void row(int r, float[] dst);

        /**
         * Called once the tensor's rows are all written: a source over a memory-mapped weight
         * releases its pages here, so the resident set holds one tensor at a time.
         */
        default void done() {}
    }

    /**
     * One tensor: its name, ggml shape {@code ne} (ne[0] = values per row, innermost first), the
     * element type to store and where its values come from.
     */
    public record TensorSpec(String name, long[] ne, GgmlType type, RowSource data) {
        public TensorSpec {
            ne = ne.clone();
            long rows = 1;
            for (int i = 1; i < ne.length; i++) rows *= ne[i];
            if (ne[0] != data.cols() || rows != data.rows())
                throw new IllegalArgumentException(name + ": shape " + java.util.Arrays.toString(ne) + " but "
                        + data.rows() + " rows of " + data.cols());
        }

        @Override
        public long[] ne() { return ne.clone(); }

        public long byteSize() { return type.rowBytes(ne[0]) * data.rows(); }
    }

    /** Writes {@code file} (replacing it only once the new one is complete). */
    public static void write(Path file, Map<String, GgufValue> metadata, List<TensorSpec> tensors) {
        AtomicFiles.write(file, out -> writeTo(out, metadata, tensors));
    }

    static void writeTo(OutputStream out, Map<String, GgufValue> metadata, List<TensorSpec> tensors) throws IOException {
        LeSink sink = new LeSink(out);
        sink.u32(MAGIC);
        sink.u32(VERSION);
        sink.u64(tensors.size());
        sink.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            sink.string(e.getKey());
            value(sink, e.getValue());
        }
        long offset = 0;
        for (TensorSpec t : tensors) {
            sink.string(t.name());
            sink.u32(t.ne().length);
            for (long d : t.ne()) sink.u64(d);
            sink.u32(t.type().id);
            sink.u64(offset);
            offset = align(offset + t.byteSize());
        }
        sink.padTo(align(sink.written));
        long dataStart = sink.written;
        for (TensorSpec t : tensors) {
            int cols = t.data().cols();
            float[] row = new float[cols];
            long rowBytes = t.type().rowBytes(cols);
            for (int r = 0; r < t.data().rows(); r++) {
                t.data().row(r, row);
                sink.ensure(rowBytes);
                Quant.encode(t.type(), row, 0, cols, sink.buf);
                sink.written += rowBytes;
            }
            t.data().done();
            sink.padTo(dataStart + align(sink.written - dataStart));
        }
        sink.flush();
    }

    static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void value(LeSink s, GgufValue v) throws IOException {
        s.u32(v.type().id);
        if (v.type() == GgufValueType.ARRAY) {
            s.u32(v.elementType().id);
            s.u64(v.list().size());
            for (Object o : v.list()) scalar(s, v.elementType(), o);
        } else {
            scalar(s, v.type(), v.value());
        }
    }

    private static void scalar(LeSink s, GgufValueType type, Object o) throws IOException {
        switch (type) {
            case UINT8, INT8 -> s.put(1).buf.put((byte) (long) (Long) o);
            case UINT16, INT16 -> s.put(2).buf.putShort((short) (long) (Long) o);
            case UINT32, INT32 -> s.u32((Long) o);
            case UINT64, INT64 -> s.u64((Long) o);
            case FLOAT32 -> s.put(4).buf.putFloat((float) (double) (Double) o);
            case FLOAT64 -> s.put(8).buf.putDouble((Double) o);
            case BOOL -> s.put(1).buf.put((byte) ((Boolean) o ? 1 : 0));
            case STRING -> s.string((String) o);
            case ARRAY -> throw new IllegalArgumentException("nested arrays are not written");
        }
    }

    /** Little-endian output through one reusable buffer, counting bytes written. */
    private static final class LeSink {
        final OutputStream out;
        final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        LeSink(OutputStream out) {
            this.out = out;
        }

        void ensure(long n) throws IOException {
            if (buf.remaining() < n) flush();
            if (buf.remaining() < n) throw new IllegalArgumentException("a row of " + n + " bytes exceeds the write buffer");
        }

        /** Reserves n bytes for a put on {@link #buf}. */
        LeSink put(int n) throws IOException {
            ensure(n);
            written += n;
            return this;
        }

        void u32(long v) throws IOException {
            put(4).buf.putInt((int) v);
        }

        void u64(long v) throws IOException {
            put(8).buf.putLong(v);
        }

        void string(String v) throws IOException {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            for (int at = 0; at < b.length; ) {
                int n = Math.min(CHUNK, b.length - at);
                put(n).buf.put(b, at, n);
                at += n;
            }
        }

        void padTo(long position) throws IOException {
            while (written < position) put(1).buf.put((byte) 0);
        }

        void flush() throws IOException {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
    }
}
