package dev.lopper.cli;

import dev.lopper.io.HfFamilyFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** BLOOM and Baichuan folders through the command line: what info says, and bad input as one line with exit 2. */
class FamilyCliTest {
    @TempDir
    Path tmp;

    record Outcome(int code, String out, String err) {}

    /** Runs the CLI in this JVM: exit code, standard output and standard error (RecoverLoraCliTest uses it too). */
    static Outcome lopper(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(new PrintWriter(err, true), args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    private static void assertOneLineError(Outcome o, String... mustContain) {
        assertEquals(2, o.code(), o.err());
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "one line, no stack trace:\n" + o.err());
        for (String s : mustContain) assertTrue(lines[0].contains(s), "'" + s + "' missing in: " + lines[0]);
    }

    @Test
    void infoSaysWhichPositionEmbeddingBaichuanGot() throws IOException {
        Path dir = HfFamilyFixture.baichuan(1, false, 32, 8, 1, 24, 40, true).write(tmp.resolve("b"));
        Outcome o = lopper("info", "--model", dir.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("ALiBi (no config field says"), o.out());
        assertTrue(o.out().contains("NormHead"), o.out());
        Outcome rope = lopper("info", "--model", dir.toString(), "--position", "rope");
        assertEquals(0, rope.code(), rope.err());
        assertTrue(rope.out().contains("RMSNorm, RoPE"), rope.out());
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = HfFamilyFixture.bloom(2, 16, 4, 1, 20, false, false).write(tmp.resolve("m"));
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("BloomForCausalLM", "GPTNeoXForCausalLM"));
        assertOneLineError(lopper("info", "--model", dir.toString()), "config.json", "GPTNeoXForCausalLM", "not supported");
    }

    @Test
    void fusedTensorNotSplittingIntoHeads() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.bloom(3, 16, 4, 1, 20, true, false);
        Path dir = f.write(tmp.resolve("m"));
        // the config now asks for 4 heads of 3: query_key_value holds 48 rows, not 3 × 4 × 3
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"n_head\": 4", "\"n_head\": 4, \"head_dim\": 3"));
        assertOneLineError(lopper("info", "--model", dir.toString()), "query_key_value", "does not split");
    }

    @Test
    void alibiModelAskedForRopeScalingOrRope() throws IOException {
        Path dir = HfFamilyFixture.baichuan(4, false, 32, 8, 1, 24, 40, false).write(tmp.resolve("m"));
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"hidden_act\"", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}, \"hidden_act\""));
        assertOneLineError(lopper("info", "--model", dir.toString()), "config.json", "rope_scaling", "ALiBi");
        Path bloom = HfFamilyFixture.bloom(5, 16, 4, 1, 20, false, false).write(tmp.resolve("bloom"));
        assertOneLineError(lopper("info", "--model", bloom.toString(), "--position", "rope"), "ALiBi");
    }
}
