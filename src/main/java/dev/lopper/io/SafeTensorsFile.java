package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped .safetensors file. Tensors are views into the mapping, never copied to the
 * heap. The mapping lives in an automatic arena: it stays valid while any returned Matrix is
 * reachable, so a loaded model can outlive this object.
 */
public final class SafeTensorsFile implements TensorSource {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment data;
    private final SafeTensorsHeader header;

    private SafeTensorsFile(Path path, MemorySegment data, SafeTensorsHeader header) {
        this.path = path;
        this.data = data;
        this.header = header;
    }

    public static SafeTensorsFile open(Path path) {
        MemorySegment whole = map(path);
        long size = whole.byteSize();
        if (size < 8) throw new BadInputException(path, "file is " + size + " bytes, shorter than the 8-byte header length");
        long headerLength = whole.get(U64, 0);
        if (headerLength < 0 || headerLength > size - 8) {
            throw new BadInputException(path, "header length " + Long.toUnsignedString(headerLength)
                    + " is larger than the file (" + size + " bytes)");
        }
        byte[] json = whole.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        long dataStart = 8 + headerLength;
        SafeTensorsHeader header = SafeTensorsHeader.parse(path, json, size - dataStart);
        return new SafeTensorsFile(path, whole.asSlice(dataStart), header);
    }

    private static MemorySegment map(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        } catch (NoSuchFileException e) {
            throw new BadInputException(path, "file not found");
        } catch (IOException e) {
            throw new BadInputException(path, "cannot read (" + e.getMessage() + ")", e);
        }
    }

    public Path path() { return path; }

    @Override
    public Set<String> names() { return header.tensors().keySet(); }

    @Override
    public TensorInfo info(String name) { return header.tensors().get(name); }

    /** The {@code __metadata__} entries (non-string values kept as their JSON text). */
    public Map<String, String> metadata() { return header.metadata(); }

    @Override
    public Path fileOf(String name) { return path; }

    @Override
    public Path origin() { return path; }

    /** The tensor as a matrix view: [n] → 1×n, [r, c] → r×c; other ranks are an error. */
    @Override
    public Matrix tensor(String name) {
        TensorInfo t = info(name);
        if (t == null) throw new BadInputException(path, "no tensor named '" + name + "'");
        int rows, cols;
        if (t.rank() == 1) {
            rows = 1;
            cols = dim(t, 0);
        } else if (t.rank() == 2) {
            rows = dim(t, 0);
            cols = dim(t, 1);
        } else {
            throw new BadInputException(path, "tensor '" + name + "' has shape " + t.shape()
                    + "; Lopper reads only 1-D and 2-D tensors");
        }
        return Matrix.of(data.asSlice(t.begin(), t.byteSize()), t.dtype(), rows, cols);
    }

    private int dim(TensorInfo t, int i) {
        long d = t.shape().get(i);
        if (d > Integer.MAX_VALUE) throw new BadInputException(path, "tensor '" + t.name() + "' dimension " + d + " is too large");
        return (int) d;
    }
}
