package dev.lopper.io;

import dev.lopper.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Each kind of corrupt file gives a one-line BadInputException naming the file and the problem. */
class SafeTensorsBadInputTest {
    @TempDir
    Path dir;

    /** Writes an 8-byte length, the header text, and {@code dataBytes} zero bytes. */
    private Path file(String name, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(new byte[dataBytes]);
        Path p = dir.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    private static void assertBad(Path file, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensorsFile.open(file));
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
    }

    @Test
    void shorterThanEightBytes() throws Exception {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[5]);
        assertBad(p, "shorter than the 8-byte header length");
    }

    @Test
    void headerLengthLargerThanFile() throws Exception {
        Path p = dir.resolve("long.safetensors");
        Files.write(p, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertBad(p, "header length 1000 is larger than the file");
    }

    @Test
    void headerNotJson() throws Exception {
        assertBad(file("json.safetensors", "{\"a\": [1, 2", 0), "header is not valid JSON");
    }

    @Test
    void unknownDtype() throws Exception {
        Path p = file("dtype.safetensors", "{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16);
        assertBad(p, "tensor 'w'", "dtype I64", "F32, BF16, F16");
    }

    @Test
    void shapeDoesNotMatchOffsets() throws Exception {
        Path p = file("span.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20);
        assertBad(p, "tensor 'w'", "24 bytes", "span 20 bytes");
    }

    @Test
    void offsetsPastTheEndOfTheData() throws Exception {
        Path p = file("past.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[100,104]}}", 8);
        assertBad(p, "tensor 'w'", "past the end of the data");
    }

    @Test
    void overlappingTensors() throws Exception {
        Path p = file("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertBad(p, "'a'", "'b'", "overlap");
    }

    @Test
    void truncatedData() throws Exception {
        Path p = file("trunc.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 10);
        assertBad(p, "truncated", "10 bytes", "'a' ends at 16");
    }

    @Test
    void threeDimensionalTensorIsRejectedWhenRead() throws Exception {
        Path p = file("rank.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,2],\"data_offsets\":[0,8]}}", 8);
        SafeTensorsFile st = SafeTensorsFile.open(p);
        BadInputException e = assertThrows(BadInputException.class, () -> st.tensor("a"));
        assertTrue(e.getMessage().contains("rank.safetensors") && e.getMessage().contains("1-D and 2-D"), e.getMessage());
    }

    @Test
    void metadataIsKept() throws Exception {
        Path p = file("meta.safetensors", "{\"__metadata__\":{\"format\":\"pt\",\"n\":\"3\"}}", 0);
        assertEquals("3", SafeTensorsFile.open(p).metadata().get("n"));
    }
}
