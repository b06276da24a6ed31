package dev.lopper.cli;

import dev.lopper.model.Pass;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Masks;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.io.PruningRecord;
import dev.lopper.io.PruningRecordFile;
import dev.lopper.surgery.Surgery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** `lopper prune` and `lopper eval` end to end on the embedded model, and their bad inputs. */
class PruneCliTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");

    @TempDir
    Path tmp;

    static BadInputCliTest.Outcome lopper(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(err, true), args);
        return new BadInputCliTest.Outcome(code, err.toString());
    }

    static void assertBadInput(BadInputCliTest.Outcome o, String... mustContain) {
        assertEquals(2, o.code(), o.err());
        String line = o.err().strip();
        assertFalse(line.contains("\n"), "one line:\n" + o.err());
        for (String s : mustContain) assertTrue(line.contains(s), "'" + s + "' missing in: " + line);
    }

    /** A calibration-free criterion, so the test needs no data folder. */
    private Path prune(String target, String... more) {
        Path out = tmp.resolve("pruned-" + target);
        List<String> args = new java.util.ArrayList<>(List.of("prune", "--model", MODEL.toString(), "--criterion", "l2",
                "--layers", "0:0", "--target", target, "--out", out.toString(), "--quiet"));
        args.addAll(List.of(more));
        BadInputCliTest.Outcome o = lopper(args.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        return out;
    }

    @Test
    void prunedFolderReloadsAndMatchesTheMaskedDenseModel() {
        Path out = prune("0.25");
        PruningRecord record = PruningRecordFile.read(out.resolve("pruning.json"));
        LlamaModel dense = Checkpoints.load(MODEL);
        LlamaModel pruned = Checkpoints.load(out);
        assertEquals(record.parameters().after(), pruned.parameterCount());
        assertEquals(0.25, record.parameters().fractionRemoved(), 0.005, "within one group of the target");
        assertTrue(Files.exists(out.resolve("tokenizer.json")));

        int layers = dense.config().numLayers();
        int[][] heads = new int[layers][], channels = new int[layers][];
        for (PruningRecord.LayerKept k : record.kept()) {
            heads[k.layer()] = k.kvHeads();
            channels[k.layer()] = k.channels();
        }
        Masks masks = Surgery.toMasks(dense.config(), new KeepPlan(heads, channels));
        int[] tokens = dev.lopper.model.TestModels.tokens(11, 2 * 48, dense.config().vocabSize());
        float[] a = new Transformer(dense).logits(tokens, 2, 48, Pass.masked(masks));
        float[] b = new Transformer(pruned).logits(tokens, 2, 48, Pass.plain());
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        assertTrue(max < 1e-3, "saved pruned model vs masked dense model: max |Δlogit| " + max);
    }

    @Test
    void roundToKeepsMlpWidthsMultiplesAndSaysHowClose() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true));
        Path out;
        try {
            out = prune("0.27", "--round-to", "64");
        } finally {
            System.setOut(old);
        }
        LlamaModel pruned = Checkpoints.load(out);
        for (var s : pruned.config().layers()) assertEquals(0, s.intermediate() % 64, "width " + s.intermediate());
        assertTrue(buf.toString().contains("MLP widths rounded to multiples of 64"), buf.toString());
        assertTrue(buf.toString().contains(", round-to 64"), "the options line: " + buf);
        // recorded in pruning.json's options and said in the model card
        assertEquals(64, dev.lopper.io.PruningRecordFile.read(out.resolve("pruning.json")).options().roundTo());
        String card = assertDoesNotThrow(() -> Files.readString(out.resolve(dev.lopper.eval.ModelCard.FILE_NAME)));
        assertTrue(card.contains("MLP widths rounded to multiples of 64"), card);
        // a pruning.json written before the option existed reads as "not rounded"
        Path older = tmp.resolve("old-pruning.json");
        String json = assertDoesNotThrow(() -> Files.readString(out.resolve("pruning.json")));
        String without = json.replaceAll(",\\s*\"roundTo\"\\s*:\\s*64", "");
        assertNotEquals(json, without);
        assertDoesNotThrow(() -> Files.writeString(older, without));
        assertEquals(0, dev.lopper.io.PruningRecordFile.read(older).options().roundTo());
    }

    @Test
    void ratioOutsideTheUnitInterval() {
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--target", "1.0",
                "--out", tmp.resolve("x").toString()), "outside [0, 1)");
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--target", "-0.1",
                "--out", tmp.resolve("x").toString()), "outside [0, 1)");
    }

    @Test
    void layerRangeOutsideTheModel() {
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--layers", "2:12",
                "--out", tmp.resolve("x").toString()), "layer range", "8 layers");
    }

    @Test
    void unreachableTargetSaysWhyAndHowToAllowIt() {
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--layers", "4:6",
                "--target", "0.3", "--out", tmp.resolve("x").toString()), "--allow-empty-layers", "--layers");
    }

    @Test
    void calibrationTextShorterThanOneWindow() throws IOException {
        Path text = tmp.resolve("short.txt");
        Files.writeString(text, "Too short to calibrate on.");
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "wanda-sp", "--calib", text.toString(),
                "--calib-len", "128", "--out", tmp.resolve("x").toString()), "short.txt", "shorter than one window");
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void existingOutputIsRefusedUnlessForced() throws IOException {
        Path out = prune("0.1");
        String before = Files.readString(out.resolve("pruning.json"));
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--layers", "0:0",
                "--target", "0.2", "--out", out.toString()), "already exists", "--force");
        assertEquals(before, Files.readString(out.resolve("pruning.json")), "refused run left the folder alone");
        prune("0.1", "--force");     // same name: replaced
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains("tmp")), "no staging folder left");
        }
    }

    @Test
    void evalBadInputs() throws IOException {
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "  \n");
        assertBadInput(lopper("eval", "--model", MODEL.toString(), "--ppl", empty.toString()), "empty.txt", "empty");
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Some text. ".repeat(200));
        assertBadInput(lopper("eval", "--model", MODEL.toString(), "--ppl", text.toString(), "--seq", "4096"),
                "4096", "512");
        Path tasks = tmp.resolve("boolq.jsonl");
        Files.writeString(tasks, "{\"query\": \"q\", \"choices\": [\"no\", \"yes\"], \"gold\": 1}\n{not json\n");
        Path json = tmp.resolve("out.json");
        assertBadInput(lopper("eval", "--model", MODEL.toString(), "--tasks", "boolq=" + tasks, "--json", json.toString()),
                "boolq.jsonl", "line 2");
        Files.writeString(tasks, "{\"query\": \"q\", \"choices\": [\"no\", \"yes\"], \"gold\": 2}\n");
        assertBadInput(lopper("eval", "--model", MODEL.toString(), "--tasks", "boolq=" + tasks), "boolq.jsonl", "gold");
        assertFalse(Files.exists(json), "nothing half written");
    }

    /** Runs a command and returns its standard output (the console summary). */
    private static String stdout(String... args) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        BadInputCliTest.Outcome o;
        try {
            o = lopper(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, o.code(), o.err());
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** README's and --help's example, on the 8-layer embedded model: [4, n-2) scaled to [1, 7). */
    @Test
    void flagshipLlmPrunerExampleWorksOnAnEightLayerModel() throws IOException {
        Path out = tmp.resolve("llm-pruner");
        String console = stdout("prune", "--model", MODEL.toString(), "--method", "llm-pruner", "--target", "0.2",
                "--calib", "data/demo/c4-train-00000-head.jsonl", "--out", out.toString(), "--quiet");
        assertTrue(console.contains("layers [1, 7) (LLM-Pruner's [4, n-2) of 32-layer models scaled to 8 layers"), console);
        PruningRecord record = PruningRecordFile.read(out.resolve("pruning.json"));
        assertEquals(1, record.options().layerStart());
        assertEquals(7, record.options().layerEnd());
        assertEquals(0.2, record.parameters().fractionRemoved(), 0.005);
        LlamaModel dense = Checkpoints.load(MODEL), pruned = Checkpoints.load(out);
        for (int l : new int[]{0, 7}) assertEquals(dense.config().layer(l), pruned.config().layer(l), "layer " + l + " kept whole");
        for (int l = 1; l < 7; l++)
            assertTrue(pruned.config().layer(l).intermediate() < dense.config().layer(l).intermediate(), "layer " + l);
        // Layers 0 and 7 are whole, the others narrower: not a stock folder, and both the console and the folder say so.
        assertTrue(console.contains("layers have different widths"), console);
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("**The layers have different widths**") && card.contains("Lopper")
                && card.contains("llama.cpp") && card.contains("refuse"), card);
        assertTrue(Files.readString(out.resolve("config.json")).contains("intermediate_size_per_layer"));
    }

    /** An explicit range the model cannot hold names the option to change. */
    @Test
    void emptyLayerRangeNamesTheOption() {
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--layers", "6:-2",
                "--out", tmp.resolve("x").toString()), "[6, 6)", "--layers");
    }

    /** --allocation uniform over all layers: equal widths, so a stock LlamaForCausalLM config, and the card says so. */
    @Test
    void uniformPruneIsAStockLlamaFolder() throws IOException {
        Path out = tmp.resolve("uniform");
        String console = stdout("prune", "--model", MODEL.toString(), "--criterion", "l2", "--allocation", "uniform",
                "--layers", "0:0", "--target", "0.23", "--out", out.toString(), "--quiet");
        LlamaModel pruned = Checkpoints.load(out);
        for (int l = 1; l < pruned.config().numLayers(); l++)
            assertEquals(pruned.config().layer(0), pruned.config().layer(l), "layer " + l);
        assertTrue(pruned.config().uniform());
        String config = Files.readString(out.resolve("config.json"));
        assertFalse(config.contains("_per_layer"), config);
        assertTrue(config.contains("\"intermediate_size\" : " + pruned.config().layer(0).intermediate()), config);
        assertTrue(console.contains("stock Hugging Face LlamaForCausalLM"), console);
        assertTrue(Files.readString(out.resolve("README.md")).contains("stock Hugging Face `LlamaForCausalLM`"));
        // As close to the target as equal widths allow: within half an MLP channel per layer.
        PruningRecord record = PruningRecordFile.read(out.resolve("pruning.json"));
        double channel = 3.0 * pruned.config().hiddenSize();
        assertEquals(0.23 * record.parameters().before(), record.parameters().before() - record.parameters().after(),
                pruned.config().numLayers() * channel / 2);
    }
}
