package dev.lopper.cli;

import dev.lopper.io.Checkpoints;
import dev.lopper.io.gguf.GgufLayoutBytesTestAccess;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damaged and unsupported GGUF files given as --model: one line naming the file and the
 * problem, exit code 2. Also the export's own refusals.
 */
class GgufBadInputCliTest {
    @TempDir
    Path tmp;

    private static BadInputCliTest.Outcome lopper(String... args) {
        return BadInputCliTest.lopper(args);
    }

    private static void assertBadInput(Path file, String... mustContain) {
        BadInputCliTest.Outcome o = lopper("info", "--model", file.toString());
        assertEquals(2, o.code(), o.err());
        String line = o.err().strip();
        assertFalse(line.contains("\n"), "one line:\n" + o.err());
        assertTrue(line.contains(file.getFileName().toString()), "names the file: " + line);
        for (String s : mustContain) assertTrue(line.contains(s), "'" + s + "' missing in: " + line);
    }

    /** A valid GGUF of a tiny model, exported by the CLI. */
    private Path valid() {
        Path hf = tmp.resolve("tiny");
        Checkpoints.saveHf(TestModels.uneven(1, false, false, DType.F32), hf, false);
        Path out = tmp.resolve("tiny.gguf");
        dev.lopper.io.gguf.GgufExport.write(Checkpoints.load(hf), java.util.Map.of(),
                new dev.lopper.io.gguf.GgufExport.Options(dev.lopper.io.gguf.GgmlType.F32, "tiny"), out);
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void truncatedInTheHeaderOrInTheData() throws IOException {
        byte[] ok = Files.readAllBytes(valid());
        assertEquals(0, lopper("info", "--model", tmp.resolve("tiny.gguf").toString()).code());
        assertBadInput(write("cut-header.gguf", Arrays.copyOf(ok, 100)), "truncated");
        assertBadInput(write("cut-data.gguf", Arrays.copyOf(ok, ok.length - 64)), "lies outside the file");
    }

    @Test
    void badMagicAndOldVersions() throws IOException {
        byte[] ok = Files.readAllBytes(valid());
        byte[] magic = ok.clone();
        magic[3] = 'X';
        assertBadInput(write("magic.gguf", magic), "not a GGUF file", "GGUX");
        for (int v : new int[]{1, 2}) {
            byte[] old = ok.clone();
            ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN).putInt(4, v);
            assertBadInput(write("v" + v + ".gguf", old), "GGUF version " + v + " is not supported");
        }
    }

    @Test
    void tensorDataOutOfBounds() throws IOException {
        var e = GgufLayoutBytesTestAccess.header(1, 1);
        GgufLayoutBytesTestAccess.kv(e, "general.architecture", "llama");
        GgufLayoutBytesTestAccess.tensor(e, "token_embd.weight", new long[]{16, 23}, 0, 1L << 20);
        assertBadInput(write("oob.gguf", GgufLayoutBytesTestAccess.finish(e, 64)), "token_embd.weight", "lies outside the file");
    }

    @Test
    void unknownAndUnsupportedTensorTypes() throws IOException {
        var e = GgufLayoutBytesTestAccess.header(1, 1);
        GgufLayoutBytesTestAccess.kv(e, "general.architecture", "llama");
        GgufLayoutBytesTestAccess.tensor(e, "token_embd.weight", new long[]{16, 23}, 99, 0);
        assertBadInput(write("type99.gguf", GgufLayoutBytesTestAccess.finish(e, 64)), "unknown ggml type id 99");
        var q4 = GgufLayoutBytesTestAccess.header(1, 1);
        GgufLayoutBytesTestAccess.kv(q4, "general.architecture", "llama");
        GgufLayoutBytesTestAccess.tensor(q4, "token_embd.weight", new long[]{256, 23}, 12, 0);
        assertBadInput(write("q4k.gguf", GgufLayoutBytesTestAccess.finish(q4, 64)), "Q4_K", "F32, F16, BF16 and Q8_0");
    }

    @Test
    void keyWithTheWrongType() throws IOException {
        var e = GgufLayoutBytesTestAccess.header(0, 3);
        GgufLayoutBytesTestAccess.kv(e, "general.architecture", "llama");
        GgufLayoutBytesTestAccess.kvU32(e, "llama.embedding_length", 16);
        GgufLayoutBytesTestAccess.kv(e, "llama.block_count", "two");
        assertBadInput(write("wrong-type.gguf", GgufLayoutBytesTestAccess.finish(e, 0)),
                "'llama.block_count' has type string, expected uint32");
    }

    @Test
    void absurdArrayAndCountLengths() throws IOException {
        var e = GgufLayoutBytesTestAccess.header(0, 1);
        GgufLayoutBytesTestAccess.arrayHeader(e, "tokenizer.ggml.tokens", 8, 1L << 40);
        assertBadInput(write("array.gguf", GgufLayoutBytesTestAccess.finish(e, 16)), "tokenizer.ggml.tokens",
                "claims an array of 1099511627776 string values");
        var many = GgufLayoutBytesTestAccess.header(1L << 50, 0);
        assertBadInput(write("tensors.gguf", GgufLayoutBytesTestAccess.finish(many, 16)), "claims 1125899906842624 tensors");
        var str = GgufLayoutBytesTestAccess.header(0, 1);
        GgufLayoutBytesTestAccess.rawString(str, 1L << 62);
        assertBadInput(write("string.gguf", GgufLayoutBytesTestAccess.finish(str, 16)), "truncated or damaged");
    }

    @Test
    void exportRefusesQ8WithMlpWidthsThatAreNotMultiplesOf32() throws IOException {
        var dense = Checkpoints.load(Path.of("models/tiny-llama-gqa-8m"));
        int n = dense.config().numLayers();
        int[][] heads = new int[n][], channels = new int[n][];
        for (int l = 0; l < n; l++) {
            heads[l] = new int[]{0, 1, 2, 3};
            channels[l] = java.util.stream.IntStream.range(0, 500).toArray();
        }
        Path hf = tmp.resolve("w500");
        Checkpoints.saveHf(dev.lopper.surgery.Surgery.apply(dense, new dev.lopper.surgery.KeepPlan(heads, channels)), hf, false);
        Files.copy(Path.of("models/tiny-llama-gqa-8m/tokenizer.json"), hf.resolve("tokenizer.json"));
        BadInputCliTest.Outcome o = lopper("export", "--model", hf.toString(), "--format", "gguf", "--dtype", "q8_0",
                "--out", tmp.resolve("q8.gguf").toString());
        assertEquals(2, o.code(), o.err());
        String line = o.err().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("MLP width 500") && line.contains("--round-to 32"), line);
        assertFalse(Files.exists(tmp.resolve("q8.gguf")), "no output");
    }

    @Test
    void exportRefusesAlibiBaichuanThatLlamaCppWouldRunWithoutPositions() throws IOException {
        Path hf = dev.lopper.io.HfFamilyFixture.baichuan(4, false, 32, 4, 2, 24, 512, false).write(tmp.resolve("b13"));
        Files.copy(dev.lopper.SharedData.require("models/stories260K/tok512.bin"), hf.resolve("tokenizer.bin"));
        Path out = tmp.resolve("b13.gguf");
        BadInputCliTest.Outcome o = lopper("export", "--model", hf.toString(), "--format", "gguf", "--out", out.toString());
        assertEquals(2, o.code(), o.err());
        String line = o.err().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("2 layers") && line.contains("40-layer"), line);
        assertFalse(Files.exists(out), "no output");
    }

    @Test
    void exportWritesAFileThatLoadsAndRefusesToOverwrite() {
        Path out = tmp.resolve("fixture.gguf");
        String[] args = {"export", "--model", "models/tiny-llama-gqa-8m", "--format", "gguf", "--dtype", "bf16",
                "--out", out.toString(), "--quiet"};
        BadInputCliTest.Outcome first = lopper(args);
        assertEquals(0, first.code(), first.err());
        assertEquals(0, lopper("info", "--model", out.toString()).code());
        BadInputCliTest.Outcome again = lopper(args);
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
    }
}
