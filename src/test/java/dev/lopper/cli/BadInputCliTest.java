package dev.lopper.cli;

import dev.lopper.io.Checkpoints;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad checkpoints through the command line: one clear line naming the file and the problem,
 * exit code 2, and a stack trace only with --verbose.
 */
class BadInputCliTest {
    @TempDir
    Path tmp;

    record Outcome(int code, String err) {}

    static Outcome lopper(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(err, true), args);
        return new Outcome(code, err.toString());
    }

    /** A valid small model folder to corrupt. */
    private Path model() {
        Path dir = tmp.resolve("model");
        Checkpoints.saveHf(TestModels.uneven(1, false, false, DType.F32), dir, false);
        return dir;
    }

    private static void assertOneLineError(Outcome o, String... mustContain) {
        assertEquals(2, o.code(), o.err());
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "one line, no stack trace:\n" + o.err());
        assertTrue(lines[0].startsWith("lopper: "), lines[0]);
        for (String s : mustContain) assertTrue(lines[0].contains(s), "'" + s + "' missing in: " + lines[0]);
    }

    /** Rewrites model.safetensors with a new header and the given number of data bytes. */
    private static void writeSafetensors(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = model();
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(all, all.length - 100));
        assertOneLineError(lopper("info", "--model", dir.toString()), "model.safetensors");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path dir = model();
        writeSafetensors(dir.resolve("model.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
        assertOneLineError(lopper("info", "--model", dir.toString()), "model.safetensors", "overlap");
    }

    @Test
    void offsetsPastTheEnd() throws IOException {
        Path dir = model();
        writeSafetensors(dir.resolve("model.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertOneLineError(lopper("info", "--model", dir.toString()), "model.safetensors");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        Path dir = model();
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putLong(0);
        Files.write(dir.resolve("model.safetensors"), b.array());
        assertOneLineError(lopper("info", "--model", dir.toString()), "model.safetensors", "header");
    }

    @Test
    void unknownDtype() throws IOException {
        Path dir = model();
        writeSafetensors(dir.resolve("model.safetensors"),
                "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        assertOneLineError(lopper("info", "--model", dir.toString()), "model.safetensors", "F8_E4M3");
    }

    @Test
    void configMissingAField() throws IOException {
        Path dir = model();
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("\"hidden_size\"\\s*:\\s*\\d+,", ""));
        assertOneLineError(lopper("info", "--model", dir.toString()), "config.json", "hidden_size");
    }

    @Test
    void missingShardAndShardOutsideTheFolder() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("model.safetensors"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\":{\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\"}}");
        assertOneLineError(lopper("info", "--model", dir.toString()), "model-00001-of-00002.safetensors");
        Files.writeString(index, "{\"weight_map\":{\"model.embed_tokens.weight\":\"../elsewhere.safetensors\"}}");
        assertOneLineError(lopper("info", "--model", dir.toString()), "../elsewhere.safetensors");
    }

    @Test
    void verbosePrintsTheStackTrace() throws IOException {
        Path dir = model();
        Files.write(dir.resolve("model.safetensors"), new byte[3]);
        Outcome o = lopper("info", "--model", dir.toString(), "--verbose");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("\tat dev.lopper."), o.err());
    }

    @Test
    void missingModelAndUnknownOption() {
        assertOneLineError(lopper("info", "--model", tmp.resolve("nope").toString()), "nope");
        Outcome o = lopper("info", "--modle", "x");
        assertEquals(2, o.code());
    }
}
