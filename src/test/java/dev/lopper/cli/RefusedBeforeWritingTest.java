package dev.lopper.cli;

import dev.lopper.io.Checkpoints;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 18's refusals: options checked before a run folder is made (defect 3), numbers checked
 * for their range in options and model files (defects 5, 8), and messages that say what is wrong
 * in the user's words (defect 9). Each: exit 2, one line, nothing written.
 */
class RefusedBeforeWritingTest {
    static final Path MODEL = PruneCliTest.MODEL;

    @TempDir
    Path tmp;

    private static List<String> search(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("search", "--model", MODEL.toString(), "--target", "0.3",
                "--out", out.toString(), "--calib", "README.md", "--calib-windows", "4", "--calib-len", "32",
                "--fitness-windows", "2", "--fitness-len", "32", "--generations", "1", "--quiet"));
        a.addAll(List.of(more));
        return a;
    }

    /** Defect 3: each bad search option is refused before a run folder exists, so the corrected command is not blocked. */
    @Test
    void badSearchOptionsLeaveNoRunFolder() {
        Path run = tmp.resolve("run");
        String[][] bad = {{"--population", "0"}, {"--population", "-3"}, {"--stages", "8,2"}, {"--stage-keep", "2"},
                {"--stages", "1,4"}, {"--timeout", "0"}, {"--retries", "-1"}, {"--max-requests", "0"},
                {"--fitness-batch", "0"}, {"--min-rate", "0.5", "--max-rate", "0.2"}};
        for (String[] b : bad) {
            BadInputCliTest.Outcome o = SearchCliTest.lopper(search(run, b));
            PruneCliTest.assertBadInput(o, b[0]);
            assertFalse(Files.exists(run), String.join(" ", b) + " left a run folder");
        }
        // The corrected command runs in the same folder, and prints no note about a model folder it did not write.
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        BadInputCliTest.Outcome ok;
        try {
            System.setOut(new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8));
            ok = SearchCliTest.lopper(search(run, "--population", "4", "--crossovers", "2", "--mutations", "2"));
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, ok.code(), ok.err());
        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("best-rates.json"), printed);
        assertFalse(printed.contains("loads this folder") || printed.contains("Hugging Face"), printed);
    }

    /** Defect 8: prune's numbers and an ignored --rates. */
    @Test
    void pruneNumbersAndRatesWithoutFileAllocation() throws IOException {
        Path out = tmp.resolve("out");
        PruneCliTest.assertBadInput(PruneCliTest.lopper("prune", "--model", MODEL.toString(), "--criterion", "l2",
                "--round-to", "-32", "--out", out.toString(), "--quiet"), "--round-to", "-32");
        Path rates = Files.writeString(tmp.resolve("rates.json"), "[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1]");
        PruneCliTest.assertBadInput(PruneCliTest.lopper("prune", "--model", MODEL.toString(), "--criterion", "l2",
                "--allocation", "uniform", "--rates", rates.toString(), "--out", out.toString(), "--quiet"),
                "--rates", "--allocation file", "uniform");
        assertFalse(Files.exists(out));
    }

    /** Defect 8: an interrupted search's best-rates.json says it is provisional, and prune warns when it reads one. */
    @Test
    void provisionalRatesAreMarkedAndWarnedAbout() throws IOException {
        Path rates = tmp.resolve("best-rates.json");
        Files.writeString(rates, "{\"provisional\": \"best after generation 1 of 3; the search has not finished\","
                + " \"generation\": 1, \"generations\": 3, \"rates\": [0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1]}");
        // The warning goes to the process's stderr (as the user sees it), captured here.
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        BadInputCliTest.Outcome o;
        try {
            System.setErr(new java.io.PrintStream(stderr, true, StandardCharsets.UTF_8));
            o = PruneCliTest.lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--allocation", "file",
                    "--rates", rates.toString(), "--out", tmp.resolve("p").toString(), "--quiet");
        } finally {
            System.setErr(saved);
        }
        assertEquals(0, o.code(), o.err());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("best-rates.json is provisional"), stderr.toString());
    }

    /** Defect 9: NaN, best.json instead of best-rates.json, a BLOOM config without n_head. */
    @Test
    void messagesInTheUsersWords() throws IOException {
        Path out = tmp.resolve("out");
        Path nan = Files.writeString(tmp.resolve("nan.json"), "[0.1, NaN, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]");
        BadInputCliTest.Outcome o = PruneCliTest.lopper("prune", "--model", MODEL.toString(), "--criterion", "l2",
                "--allocation", "file", "--rates", nan.toString(), "--out", out.toString(), "--quiet");
        PruneCliTest.assertBadInput(o, "nan.json", "NaN is not a rate");
        assertFalse(o.err().contains("JsonReadFeature") || o.err().contains("ALLOW_"), o.err());

        Path best = Files.createDirectories(tmp.resolve("run")).resolve("best.json");
        Files.writeString(best, "{\"fitness\": \"ppl\", \"best\": 12.5, \"rates\": [0.1, 0.1], \"seeds\": {}}");
        PruneCliTest.assertBadInput(PruneCliTest.lopper("prune", "--model", MODEL.toString(), "--criterion", "l2",
                "--allocation", "file", "--rates", best.toString(), "--out", out.toString(), "--quiet"),
                "best.json", "best-rates.json");

        Path bloom = Files.createDirectories(tmp.resolve("bloom"));
        Files.writeString(bloom.resolve("config.json"), "{\"architectures\": [\"BloomForCausalLM\"], \"n_embed\": 64,"
                + " \"n_layer\": 2, \"vocab_size\": 100}");
        PruneCliTest.assertBadInput(PruneCliTest.lopper("info", "--model", bloom.toString()), "n_head");
    }

    /** Defect 5: config fields out of range are refused, not run as NaN or replaced. */
    @Test
    void configNumbersOutOfRange() throws IOException {
        Path model = tmp.resolve("m");
        Checkpoints.saveHf(TestModels.uneven(1, false, false, DType.F32), model, false);
        Path cfg = model.resolve("config.json");
        String good = Files.readString(cfg);
        assertEquals(0, PruneCliTest.lopper("info", "--model", model.toString()).code());
        Files.writeString(cfg, withField(good, "rope_theta", -1));
        PruneCliTest.assertBadInput(PruneCliTest.lopper("info", "--model", model.toString()), "rope_theta", "-1");
        Files.writeString(cfg, withField(good, "rms_norm_eps", 0));
        PruneCliTest.assertBadInput(PruneCliTest.lopper("info", "--model", model.toString()), "rms_norm_eps");
        Files.writeString(cfg, withField(good, "head_dim", 0));
        PruneCliTest.assertBadInput(PruneCliTest.lopper("info", "--model", model.toString()), "head_dim", "0");
    }

    private static String withField(String json, String field, double value) throws IOException {
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(json);
        if (value == Math.rint(value)) root.put(field, (int) value);
        else root.put(field, value);
        return m.writeValueAsString(root);
    }

    /** Defect 5: a GGUF whose head_count is 0 while it holds q/k/v/o tensors is refused (every tensor must be used). */
    @Test
    void ggufWithHeadCountZeroIsRefused() throws IOException {
        Path hf = tmp.resolve("tiny");
        Checkpoints.saveHf(TestModels.uneven(1, false, false, DType.F32), hf, false);
        Path gguf = tmp.resolve("tiny.gguf");
        dev.lopper.io.gguf.GgufExport.write(Checkpoints.load(hf), java.util.Map.of(),
                new dev.lopper.io.gguf.GgufExport.Options(dev.lopper.io.gguf.GgmlType.F32, "tiny"), gguf);
        assertEquals(0, PruneCliTest.lopper("info", "--model", gguf.toString()).code());
        byte[] b = Files.readAllBytes(gguf);
        String arch = new String(b, StandardCharsets.ISO_8859_1).contains("deci.attention") ? "deci" : "llama";
        zeroKey(b, arch + ".attention.head_count");
        zeroKey(b, arch + ".attention.head_count_kv");
        Path zero = Files.write(tmp.resolve("zero-heads.gguf"), b);
        PruneCliTest.assertBadInput(PruneCliTest.lopper("info", "--model", zero.toString()), "zero-heads.gguf",
                "not used");
    }

    /** Sets a GGUF uint32/int32 key, or every element of an array of them, to 0 in place. */
    private static void zeroKey(byte[] file, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 8; i + 8 + k.length < file.length; i++) {
            if (buf.getLong(i) != k.length) continue;
            boolean match = true;
            for (int j = 0; j < k.length && match; j++) match = file[i + 8 + j] == k[j];
            if (!match) continue;
            int at = i + 8 + k.length;
            int type = buf.getInt(at);
            if (type == 4 || type == 5) {
                buf.putInt(at + 4, 0);
            } else if (type == 9) {
                int elem = buf.getInt(at + 4);
                long n = buf.getLong(at + 8);
                assertTrue(elem == 4 || elem == 5, "array of " + elem);
                for (int e = 0; e < n; e++) buf.putInt(at + 16 + 4 * e, 0);
            } else {
                fail(key + " has type " + type);
            }
            return;
        }
        fail(key + " not found");
    }
}
