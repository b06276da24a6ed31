package dev.lopper.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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

    private static void writeTo(Path tmp, long total, byte[] header, Map<String, ShapedTensor> sorted) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            out.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, header.length);
            MemorySegment.copy(MemorySegment.ofArray(header), 0, out, 8, header.length);
            long pos = 8 + header.length;
            for (ShapedTensor t : sorted.values()) {
                MemorySegment.copy(t.matrix().segment(), 0, out, pos, t.byteSize());
                pos += t.byteSize();
            }
            out.force();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
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
