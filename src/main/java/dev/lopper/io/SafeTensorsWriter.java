package dev.lopper.io;

import dev.lopper.util.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes named tensors into one .safetensors file, each in its matrix's own dtype (a byte copy).
 * The file is written beside the target under a temporary name and renamed into place.
 */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {}

    public static void write(Path file, Map<String, ShapedTensor> tensors) throws IOException {
        Map<String, ShapedTensor> sorted = new TreeMap<>(tensors);
        byte[] header = header(sorted);
        long total = 8 + header.length;
        for (ShapedTensor t : sorted.values()) total += t.byteSize();

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

    /** Bytes copied per write: keeps the page cache of a large output out of the process's RSS. */
    private static final int CHUNK = 1 << 20;

    private static void writeTo(Path tmp, long total, byte[] header, Map<String, ShapedTensor> sorted) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, length);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            MemorySegment staging = MemorySegment.ofBuffer(buf);
            for (ShapedTensor t : sorted.values()) {
                MemorySegment src = t.matrix().segment();
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
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, ShapedTensor> e : sorted.entrySet()) {
            ShapedTensor t = e.getValue();
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", t.matrix().dtype().safetensorsName);
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) shape.add(d);
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
