package dev.lopper.io;

import dev.lopper.util.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Writes named tensors into .safetensors files, each in its matrix's own dtype (a byte copy).
 * A tensor's data is asked for only when its turn comes ({@link Tensor#data}) and copied out in
 * 1 MB chunks, so a model made on demand (surgery's lazy layers, random weights) is never whole
 * in memory. Above {@link #HF_MAX_SHARD_BYTES} the tensors are split into shards as Hugging Face
 * does ({@link #writeModel}). Files are written beside the target under a temporary name and
 * renamed into place.
 */
public final class SafeTensorsWriter {
    /** transformers' default {@code max_shard_size} ("5GB", decimal) for save_pretrained. */
    public static final long HF_MAX_SHARD_BYTES = 5_000_000_000L;
    /** The single-file name, used when everything fits in one shard (as HF does). */
    public static final String SINGLE_FILE = "model.safetensors";

    private SafeTensorsWriter() {}

    /**
     * One tensor to write: name, dtype and shape known up front (for the header); the data made
     * when it is written, in that dtype, with as many elements as the shape says.
     */
    public record Tensor(String name, DType dtype, long[] shape, Supplier<Matrix> data) {
        public Tensor {
            shape = shape.clone();
        }

        public long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public long byteSize() { return elements() * dtype.bytes; }

        @Override
        public long[] shape() { return shape.clone(); }

        static Tensor of(String name, ShapedTensor t) {
            return new Tensor(name, t.matrix().dtype(), t.shape(), t::matrix);
        }
    }

    public static void write(Path file, Map<String, ShapedTensor> tensors) throws IOException {
        List<Tensor> list = new ArrayList<>();
        tensors.forEach((name, t) -> list.add(Tensor.of(name, t)));
        write(file, list);
    }

    /** Writes the tensors into one file, sorted by name (as the safetensors library does). */
    public static void write(Path file, List<Tensor> tensors) throws IOException {
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Tensor::name));
        for (int i = 1; i < sorted.size(); i++)
            if (sorted.get(i).name().equals(sorted.get(i - 1).name()))
                throw new IllegalArgumentException("tensor " + sorted.get(i).name() + " twice");
        byte[] header = header(sorted);
        long total = 8 + header.length;
        for (Tensor t : sorted) total += t.byteSize();

        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = AtomicFiles.sibling(file, "tmp");
        try {
            writeTo(tmp, total, header, sorted);
            AtomicFiles.move(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes a model's tensors into {@code folder} as Hugging Face's save_pretrained shards them:
     * in the given (state-dict) order, a new shard starts when the next tensor would take the
     * current one past {@code maxShardBytes}; one shard is {@value #SINGLE_FILE}, several are
     * model-0000i-of-0000n.safetensors with {@value ShardedSafeTensors#INDEX_NAME}
     * ({"metadata": {"total_size"}, "weight_map"}). Returns the files written.
     */
    public static List<Path> writeModel(Path folder, List<Tensor> ordered, long maxShardBytes) throws IOException {
        List<List<Tensor>> shards = shard(ordered, maxShardBytes);
        if (shards.size() <= 1) {
            Path f = folder.resolve(SINGLE_FILE);
            write(f, shards.isEmpty() ? List.of() : shards.getFirst());
            return List.of(f);
        }
        List<Path> files = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            for (Tensor t : shards.get(i)) {
                weightMap.put(t.name(), name);
                totalSize += t.byteSize();
            }
        }
        // The index first: its names are known before any data is made.
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        Path index = folder.resolve(ShardedSafeTensors.INDEX_NAME);
        Files.writeString(index, json.writeValueAsString(root) + "\n");
        for (int i = 0; i < shards.size(); i++) {
            Path f = folder.resolve(String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()));
            write(f, shards.get(i));
            files.add(f);
        }
        files.add(index);
        return files;
    }

    /** HF's split: in order, a new shard when the next tensor would pass the limit (a tensor larger than it alone). */
    static List<List<Tensor>> shard(List<Tensor> ordered, long maxShardBytes) {
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long size = 0;
        for (Tensor t : ordered) {
            if (!current.isEmpty() && size + t.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.byteSize();
        }
        if (!current.isEmpty()) shards.add(current);
        return shards;
    }

    /** Bytes copied per write: keeps the page cache of a large output out of the process's RSS. */
    private static final int CHUNK = 1 << 20;

    private static void writeTo(Path tmp, long total, byte[] header, List<Tensor> sorted) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, length);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            MemorySegment staging = MemorySegment.ofBuffer(buf);
            for (Tensor t : sorted) {
                Matrix m = t.data().get();
                if (m.dtype() != t.dtype() || m.size() != t.elements())
                    throw new IllegalStateException(t.name() + ": made " + m + ", header says " + t.dtype() + " "
                            + Arrays.toString(t.shape()));
                MemorySegment src = m.segment();
                for (long off = 0; off < t.byteSize(); off += CHUNK) {
                    int n = (int) Math.min(CHUNK, t.byteSize() - off);
                    MemorySegment.copy(src, off, staging, 0, n);
                    writeFully(ch, buf.clear().limit(n));
                }
            }
            if (ch.position() != total) throw new IOException(tmp + ": wrote " + ch.position() + " bytes, expected " + total);
            ch.force(true);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** The JSON header, padded with spaces so the data region starts 8-byte aligned. */
    static byte[] header(Map<String, ShapedTensor> sorted) {
        List<Tensor> list = new ArrayList<>();
        new TreeMap<>(sorted).forEach((name, t) -> list.add(Tensor.of(name, t)));
        return header(list);
    }

    private static byte[] header(List<Tensor> sorted) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Tensor t : sorted) {
            ObjectNode node = root.putObject(t.name());
            node.put("dtype", t.dtype().safetensorsName);
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape) shape.add(d);
            node.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] raw = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(raw, padded);
        Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }
}
