package dev.lopper.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A read-only row-major matrix [rows, cols] stored as fp32, bf16 or fp16, either on the heap or
 * in a memory-mapped file. Values are widened to fp32 when read; kernels read rows or panels,
 * never the whole matrix at once, so a bf16 checkpoint is never copied to fp32 as a whole.
 * A vector is a matrix with one row.
 */
public final class Matrix {
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final DType dtype;
    private final int rows;
    private final int cols;
    /** Non-null when the matrix is fp32 on the heap: kernels use this array directly. */
    private final float[] heap;

    private Matrix(MemorySegment data, DType dtype, int rows, int cols, float[] heap) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        long need = (long) rows * cols * dtype.bytes;
        if (data.byteSize() < need)
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes too small for "
                    + rows + "x" + cols + " " + dtype);
        this.data = data;
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        this.heap = heap;
    }

    /** Wraps an fp32 array without copying. */
    public static Matrix wrap(float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length)
            throw new IllegalArgumentException("array of " + values.length + " for " + rows + "x" + cols);
        return new Matrix(MemorySegment.ofArray(values), DType.F32, rows, cols, values);
    }

    public static Matrix zeros(int rows, int cols) {
        return wrap(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }

    /** A view of little-endian elements in a segment (e.g. a slice of a mapped safetensors file). */
    public static Matrix of(MemorySegment data, DType dtype, int rows, int cols) {
        if (dtype == DType.F32 && data.heapBase().orElse(null) instanceof float[] arr
                && data.address() == 0 && arr.length == (long) rows * cols) {
            return new Matrix(data, dtype, rows, cols, arr);
        }
        return new Matrix(data, dtype, rows, cols, null);
    }

    /** Converts fp32 values to the given dtype, on the heap. */
    public static Matrix fromFloats(float[] values, int rows, int cols, DType dtype) {
        if (dtype == DType.F32) return wrap(values.clone(), rows, cols);
        MemorySegment seg = MemorySegment.ofArray(new short[values.length]);
        for (int i = 0; i < values.length; i++) {
            short s = dtype == DType.BF16 ? DType.floatToBf16(values[i]) : Float.floatToFloat16(values[i]);
            seg.setAtIndex(I16, i, s);
        }
        return new Matrix(seg, dtype, rows, cols, null);
    }

    public int rows() { return rows; }
    public int cols() { return cols; }
    public long size() { return (long) rows * cols; }
    public DType dtype() { return dtype; }
    public MemorySegment segment() { return data; }

    /** Whether the values live in a memory-mapped file (whose pages {@link #release} can drop). */
    public boolean mapped() { return data.isMapped(); }

    /**
     * Drops this matrix's pages of a memory-mapped file from the process's resident set
     * (madvise MADV_DONTNEED through {@link MemorySegment#unload}); the next read pages them in
     * again from the page cache or the disk. No effect on a heap matrix. Lets a model larger than
     * memory be read layer by layer.
     */
    public void release() {
        if (data.isMapped() && data.byteSize() > 0) data.unload();
    }

    /** The backing fp32 array when this matrix is fp32 on the heap, else null. */
    public float[] heapArray() { return heap; }

    public float get(int r, int c) {
        return getFlat((long) r * cols + c);
    }

    public float getFlat(long i) {
        if (heap != null) return heap[(int) i];
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, i);
            case BF16 -> DType.bf16ToFloat(data.getAtIndex(I16, i));
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
        };
    }

    /** Widens {@code n} elements starting at flat index {@code from} into {@code dst[dstOff..]}. */
    public void read(long from, float[] dst, int dstOff, int n) {
        if (heap != null) {
            System.arraycopy(heap, (int) from, dst, dstOff, n);
            return;
        }
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32, from * 4, dst, dstOff, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOff + i] = DType.bf16ToFloat(data.getAtIndex(I16, from + i));
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(data.getAtIndex(I16, from + i));
            }
        }
    }

    public void readRow(int r, float[] dst, int dstOff) {
        read((long) r * cols, dst, dstOff, cols);
    }

    /** All values as a new fp32 array (only for small matrices and tests). */
    public float[] toFloats() {
        float[] out = new float[Math.toIntExact(size())];
        read(0, out, 0, out.length);
        return out;
    }

    /** Rows [from, from + count) as a view of the same memory, without copying (e.g. one part of a packed tensor). */
    public Matrix rowRange(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows)
            throw new IllegalArgumentException("rows " + from + ".." + (from + count) + " of " + rows);
        long rowBytes = (long) cols * dtype.bytes;
        return of(data.asSlice(from * rowBytes, count * rowBytes), dtype, count, cols);
    }

    /** A new matrix of the given rows, in the same dtype (used by surgery). */
    public Matrix selectRows(int[] keep) {
        long rowBytes = (long) cols * dtype.bytes;
        MemorySegment out = allocate(keep.length * rowBytes);
        for (int i = 0; i < keep.length; i++) {
            MemorySegment.copy(data, keep[i] * rowBytes, out, i * rowBytes, rowBytes);
        }
        return of(out, dtype, keep.length, cols);
    }

    /** A new matrix of the given columns, in the same dtype (used by surgery). */
    public Matrix selectCols(int[] keep) {
        int b = dtype.bytes;
        if (b == 2) {       // bf16/fp16: a row at a time in bulk, gathered in an array (not an element-wise copy)
            short[] row = new short[cols], out = new short[Math.multiplyExact(rows, keep.length)];
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(data, I16, (long) r * cols * 2, row, 0, cols);
                for (int j = 0; j < keep.length; j++) out[r * keep.length + j] = row[keep[j]];
            }
            return of(MemorySegment.ofArray(out), dtype, rows, keep.length);
        }
        MemorySegment out = allocate((long) rows * keep.length * b);
        for (int r = 0; r < rows; r++) {
            long src = (long) r * cols * b;
            long dst = (long) r * keep.length * b;
            for (int j = 0; j < keep.length; j++) {
                MemorySegment.copy(data, src + (long) keep[j] * b, out, dst + (long) j * b, b);
            }
        }
        return of(out, dtype, rows, keep.length);
    }

    private MemorySegment allocate(long bytes) {
        if (dtype == DType.F32) return MemorySegment.ofArray(new float[Math.toIntExact(bytes / 4)]);
        return MemorySegment.ofArray(new short[Math.toIntExact(bytes / 2)]);
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + "x" + cols + " " + dtype + (heap != null ? " heap" : "") + "]";
    }
}
