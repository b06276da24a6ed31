package dev.lopper.cli;

import dev.lopper.SharedData;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfFamilyFixture;
import dev.lopper.io.SafeTensorsFile;
import dev.lopper.model.TestModels;
import dev.lopper.recovery.lora.LoraSettings;
import dev.lopper.recovery.lora.LoraWeights;
import dev.lopper.recovery.lora.PeftAdapter;
import dev.lopper.recovery.lora.Projection;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * lopper recover --data (LoRA) through the command line on stories260K-hf: a run killed with
 * SIGKILL after a checkpoint and resumed writes the same adapter as an uninterrupted run; the
 * merged output loads and equals base + adapter; bad input is one line, exit 2, nothing written.
 */
class RecoverLoraCliTest {
    @TempDir
    Path tmp;
    Path model, data, heldout;

    private static FamilyCliTest.Outcome lopper(String... args) { return FamilyCliTest.lopper(args); }

    /** Story-like text from a seeded word list: two different seeds give two different texts. */
    static String text(long seed, int sentences) {
        String[] words = {"the", "little", "girl", "saw", "a", "big", "dog", "in", "park", "and", "she", "was", "happy",
                "tom", "liked", "to", "play", "with", "his", "red", "ball", "one", "day", "sun", "came", "out", "they", "ran"};
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < sentences; s++) {
            int n = 4 + r.nextInt(6);
            for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
            b.append(". ");
            if (s % 6 == 5) b.append("\n\n");
        }
        return b.toString();
    }

    @BeforeEach
    void files() throws IOException {
        model = SharedData.require("models/stories260K-hf");
        data = tmp.resolve("train.txt");
        heldout = tmp.resolve("heldout.txt");
        Files.writeString(data, text(1, 300));
        Files.writeString(heldout, text(2, 100));
    }

    List<String> recover(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("recover", "--model", model.toString(), "--data", data.toString(),
                "--eval-data", heldout.toString(), "--seq-len", "32", "--batch", "2", "--lr", "1e-2",
                "--eval-every", "3", "--eval-windows", "4", "--out", out.toString(), "--quiet"));
        a.addAll(List.of(more));
        if (!a.contains("--steps")) a.addAll(List.of("--steps", "6"));
        return a;
    }

    static void assertOneLineError(FamilyCliTest.Outcome o, Path out, String... mustContain) {
        assertEquals(2, o.code(), o.err() + o.out());
        String[] lines = o.err().strip().split("\n");
        assertEquals(1, lines.length, "one line, no stack trace:\n" + o.err());
        for (String s : mustContain) assertTrue(lines[0].contains(s), "'" + s + "' missing in: " + lines[0]);
        if (out != null) {
            assertFalse(Files.exists(out), "nothing written at " + out);
            assertFalse(Files.exists(out.resolveSibling(out.getFileName() + ".checkpoints")), "no checkpoints");
        }
    }

    @Test
    void mergedOutputIsAPrunedFolderWithTheRecordAndTheCurve() throws IOException {
        Path out = tmp.resolve("merged"), adapter = tmp.resolve("adapter");
        FamilyCliTest.Outcome m = lopper(recover(out).toArray(String[]::new));
        assertEquals(0, m.code(), m.err());
        assertTrue(m.out().contains("training text: " + data), m.out());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "recovery-lora.json", "loss.json", "loss.png"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        String record = Files.readString(out.resolve("recovery-lora.json"));
        assertTrue(record.contains("\"tokensTrained\" : " + 6 * 2 * 32), record);
        FamilyCliTest.Outcome a = lopper(recover(adapter, "--adapter-only").toArray(String[]::new));
        assertEquals(0, a.code(), a.err());
        // The merged folder evaluates as the base with the adapter: same perplexity through both paths.
        FamilyCliTest.Outcome viaMerged = lopper("eval", "--model", out.toString(), "--ppl", heldout.toString(), "--seq-len", "32", "--quiet");
        FamilyCliTest.Outcome viaAdapter = lopper("eval", "--model", model.toString(), "--adapter", adapter.toString(), "--ppl",
                heldout.toString(), "--seq-len", "32", "--quiet");
        assertEquals(0, viaAdapter.code(), viaAdapter.err());
        assertEquals(ppl(viaMerged.out()), ppl(viaAdapter.out()), 1e-3);
        FamilyCliTest.Outcome base = lopper("eval", "--model", model.toString(), "--ppl", heldout.toString(), "--seq-len", "32", "--quiet");
        assertNotEquals(ppl(base.out()), ppl(viaAdapter.out()), 1e-3);
    }

    private static double ppl(String evalOut) {
        String s = evalOut.substring(evalOut.indexOf("ppl") + 3).strip();
        return Double.parseDouble(s.substring(0, s.indexOf(' ')));
    }

    @Test
    void sigkillAfterACheckpointThenResumeWritesTheUninterruptedAdapter() throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut"), ckpt = tmp.resolve("ckpt");
        List<String> longer = List.of("--steps", "12", "--checkpoint-every", "2", "--adapter-only", "--checkpoint-dir", ckpt.toString());
        List<String> a = recover(whole, "--steps", "12", "--adapter-only");
        FamilyCliTest.Outcome w = lopper(a.toArray(String[]::new));
        assertEquals(0, w.code(), w.err());

        List<String> b = recover(cut, longer.toArray(String[]::new));
        Process p = SearchProcessTest.lopper(b, tmp.resolve("cut.log")).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (p.isAlive() && System.nanoTime() < deadline && !Files.exists(ckpt.resolve("step-00000004.json"))) Thread.sleep(20);
        assertTrue(p.isAlive(), "the run ended before its second checkpoint:\n" + Files.readString(tmp.resolve("cut.log")));
        new ProcessBuilder("kill", "-KILL", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertFalse(Files.exists(cut), "a killed run wrote no output");

        List<String> c = new ArrayList<>(b);
        c.add("--resume");
        FamilyCliTest.Outcome r = lopper(c.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resumed after step"), r.out());
        SafeTensorsFile x = SafeTensorsFile.open(whole.resolve("adapter_model.safetensors"));
        SafeTensorsFile y = SafeTensorsFile.open(cut.resolve("adapter_model.safetensors"));
        assertEquals(x.names(), y.names());
        for (String n : x.names()) assertArrayEquals(x.tensor(n).toFloats(), y.tensor(n).toFloats(), n);
        assertFalse(Files.exists(ckpt), "checkpoints are removed after success");
    }

    @Test
    void aRankLargerThanAProjection() {
        Path out = tmp.resolve("o");
        assertOneLineError(lopper(recover(out, "--rank", "65").toArray(String[]::new)), out, "--rank 65");
    }

    @Test
    void aTeacherWithAnotherVocabularyOrFamily() throws IOException {
        Path out = tmp.resolve("o");
        Path other = tmp.resolve("vocab23");
        Checkpoints.saveHf(TestModels.uneven(1, false, false, DType.F32), other, false);
        assertOneLineError(lopper(recover(out, "--teacher", other.toString()).toArray(String[]::new)), out,
                "vocabulary of 23");
        Path bloom = HfFamilyFixture.bloom(1, 16, 4, 1, 512, false, false).write(tmp.resolve("bloom"));
        assertOneLineError(lopper(recover(out, "--teacher", bloom.toString()).toArray(String[]::new)), out,
                "BloomForCausalLM", "same family");
    }

    @Test
    void dataWithNoUsableText() throws IOException {
        Path out = tmp.resolve("o");
        Files.writeString(data, "The end.");
        assertOneLineError(lopper(recover(out).toArray(String[]::new)), out, data.toString(), "no usable text");
        Path alpaca = tmp.resolve("empty.json");
        Files.writeString(alpaca, "[{\"instruction\": \"\", \"input\": \"\", \"output\": \"\"}]");
        List<String> a = recover(out);
        a.set(a.indexOf(data.toString()), alpaca.toString());
        assertOneLineError(lopper(a.toArray(String[]::new)), out, "no example");
    }

    @Test
    void dataThatIsTheEvaluationText() throws IOException {
        Path out = tmp.resolve("o");
        List<String> a = recover(out);
        a.set(a.indexOf(heldout.toString()), data.toString());
        assertOneLineError(lopper(a.toArray(String[]::new)), out, "held-out");
        Path copy = tmp.resolve("copy.txt");
        Files.copy(data, copy);
        a.set(a.indexOf("--eval-data") + 1, copy.toString());
        assertOneLineError(lopper(a.toArray(String[]::new)), out, "same bytes");
    }

    @Test
    void resumeFromAnotherRun() throws IOException {
        Path out = tmp.resolve("o"), ckpt = tmp.resolve("ckpt");
        // The newest checkpoint of another run (its fingerprint is another run's).
        Files.createDirectories(ckpt);
        Files.writeString(ckpt.resolve("step-00000002.json"), "{\"fingerprint\": \"0123456789abcdef\", \"step\": 2, "
                + "\"adamSteps\": 2, \"points\": [], \"evals\": []}");
        Files.write(ckpt.resolve("step-00000002.safetensors"), new byte[0]);
        assertOneLineError(lopper(recover(out, "--resume", "--checkpoint-dir", ckpt.toString()).toArray(String[]::new)),
                out, "another run");
    }

    @Test
    void anAdapterWhoseShapesDoNotFitTheBase() throws IOException {
        Path adapter = tmp.resolve("adapter");
        Files.createDirectories(adapter);
        var small = TestModels.uneven(1, false, false, DType.F32);
        PeftAdapter.writeInto(adapter, LoraWeights.init(small, new LoraSettings(2, 4, 0, EnumSet.allOf(Projection.class)), 1), "x");
        FamilyCliTest.Outcome o = lopper("eval", "--model", model.toString(), "--adapter", adapter.toString(), "--ppl",
                heldout.toString(), "--seq-len", "32", "--quiet");
        assertOneLineError(o, null, "adapter_model.safetensors", "layer 0");
        Path out = tmp.resolve("o");
        assertOneLineError(lopper(recover(out, "--adapter", adapter.toString()).toArray(String[]::new)), out,
                "adapter_model.safetensors");
    }

    @Test
    void alpacaDataThroughTheCommandLine() throws IOException {
        StringBuilder json = new StringBuilder("[");
        Random r = new Random(3);
        for (int i = 0; i < 60; i++) {
            json.append(i == 0 ? "" : ",").append("{\"instruction\": \"Finish the story.\", \"input\": \"")
                    .append(text(r.nextLong(), 1).strip()).append("\", \"output\": \"").append(text(r.nextLong(), 2).strip())
                    .append("\"}");
        }
        Path alpaca = tmp.resolve("alpaca.json");
        Files.writeString(alpaca, json.append("]").toString());
        Path out = tmp.resolve("a");
        List<String> a = recover(out, "--loss-on", "response", "--steps", "2", "--adapter-only");
        a.set(a.indexOf(data.toString()), alpaca.toString());
        FamilyCliTest.Outcome o = lopper(a.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        String record = Files.readString(out.resolve("recovery-lora.json"));
        assertTrue(record.contains("\"format\" : \"ALPACA\"") && record.contains("\"lossOn\" : \"RESPONSE\"")
                && record.contains("\"examples\" : 60"), record);
        Path bad = tmp.resolve("b");
        FamilyCliTest.Outcome u = lopper(recover(bad, "--data-format", "csv").toArray(String[]::new));     // the one converter's line
        assertEquals(2, u.code());
        assertEquals("lopper: unknown data-format 'csv'; choose one of text, jsonl, alpaca", u.err().strip());
        assertFalse(Files.exists(bad));
    }
}
