package dev.lopper.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every output option of every command, aimed at every input of the command: the model folder, a
 * file inside it, a parent of it, each other input (tokenizer, rates, calibration text, fitness
 * text, a second model, corpora and task files), and an existing unrelated file without --force.
 * Each must be refused with exit 2 and one line naming the output option, and afterwards every
 * file under the fixture has the same bytes and no file was added or removed. Commands that have
 * --force get it for every case but the unrelated file: --force never lets an output touch an input.
 */
class OutputGuardMatrixTest {
    static Path root;
    static Path model, model2, tokenizer, rates, calib, fitness, ppl, task, unrelated;

    @BeforeAll
    static void fixture() throws IOException {
        root = Files.createTempDirectory("lopper-guard-");
        Path inputs = Files.createDirectories(root.resolve("inputs"));
        model = copy(PruneCliTest.MODEL, inputs.resolve("model"));
        model2 = copy(PruneCliTest.MODEL, inputs.resolve("model-b"));
        tokenizer = Files.createDirectories(inputs.resolve("tok")).resolve("tokenizer.json");
        Files.copy(PruneCliTest.MODEL.resolve("tokenizer.json"), tokenizer);
        rates = Files.writeString(inputs.resolve("rates.json"), "[0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2]");
        calib = Files.copy(Path.of("data/demo/c4-train-00000-head.jsonl"), inputs.resolve("calib.jsonl"));
        fitness = Files.copy(Path.of("data/demo/wikitext2-test-head.txt"), inputs.resolve("fitness.txt"));
        ppl = Files.copy(Path.of("data/demo/wikitext2-test-head.txt"), inputs.resolve("ppl.txt"));
        task = Files.writeString(inputs.resolve("boolq.jsonl"),
                "{\"question\":\"is it\",\"passage\":\"It is.\",\"answer\":true}\n");
        unrelated = Files.writeString(root.resolve("unrelated.txt"), "the user's notes\n");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        dev.lopper.util.Leftovers.deleteTree(root);
    }

    private static Path copy(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    /** A command line with one output option; {@code inputs} are what it reads, named by option. */
    record Case(String command, String option, boolean hasForce, List<String> args, Map<String, Path> inputs) {
        @Override
        public String toString() {
            return command + " " + option;
        }
    }

    /** Placeholders in the argument lists, filled once the fixture exists. */
    private static final String M = "<model>", M2 = "<model2>", T = "<tokenizer>", R = "<rates>", C = "<calib>",
            F = "<fitness>", P = "<ppl>", Q = "<task>";

    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        List<String> search = List.of("--model", M, "--tokenizer", T, "--calib", C, "--fitness-data", F, "--target", "0.2",
                "--population", "2", "--generations", "1", "--quiet");
        for (String opt : List.of("--out", "--json")) {
            List<String> a = new ArrayList<>(search);
            if (!opt.equals("--out")) a.addAll(List.of("--out", "<fresh>"));
            all.add(new Case("search", opt, true, a, inputs(M, T, C, F)));
        }
        List<String> prune = List.of("--model", M, "--tokenizer", T, "--calib", C, "--target", "0.2", "--quiet");
        for (String opt : List.of("--out", "--json", "--report", "--search-out")) {
            List<String> a = new ArrayList<>(prune);
            if (!opt.equals("--out")) a.addAll(List.of("--out", "<fresh>"));
            switch (opt) {
                case "--report" -> a.addAll(List.of("--criterion", "hywia", "--allocation", "file", "--rates", R));
                case "--search-out" -> a.addAll(List.of("--allocation", "search", "--fitness-data", F));
                default -> a.addAll(List.of("--criterion", "l2", "--allocation", "file", "--rates", R));
            }
            all.add(new Case("prune", opt, true, a, opt.equals("--search-out") ? inputs(M, T, C, F) : inputs(M, T, C, R)));
        }
        for (String format : List.of("gguf", "hf")) {
            all.add(new Case("export", "--out", true, List.of("--model", M, "--tokenizer", T, "--format", format), inputs(M, T)));
        }
        all.add(new Case("export", "--json", true, List.of("--model", M, "--tokenizer", T, "--format", "gguf", "--out",
                "<fresh>"), inputs(M, T)));
        List<String> eval = List.of("--model", M, "--vs", M2, "--tokenizer", T, "--ppl", P, "--tasks", "boolq=" + Q,
                "--quiet");
        for (String opt : List.of("--json", "--report", "--log-samples"))
            all.add(new Case("eval", opt, false, eval, inputs(M, M2, T, P, Q)));
        for (String opt : List.of("--json", "--report"))
            all.add(new Case("bench", opt, false, List.of("--model", M, "--vs", M2, "--runs", "1"), inputs(M, M2)));
        for (String opt : List.of("--json", "--report"))
            all.add(new Case("demo", opt, false, List.of("--model", M, "--quiet"), inputs(M)));
        all.add(new Case("generate", "--json", false, List.of("--model", M, "--tokenizer", T, "--prompt", "Once"),
                inputs(M, T)));
        all.add(new Case("info", "--json", false, List.of("--model", M, "--tokenizer", T), inputs(M, T)));
        return all.stream();
    }

    private static Map<String, Path> inputs(String... placeholders) {
        Map<String, Path> m = new LinkedHashMap<>();
        for (String p : placeholders) m.put(p, null);
        return m;
    }

    private static Path resolve(String placeholder) {
        return switch (placeholder) {
            case M -> model;
            case M2 -> model2;
            case T -> tokenizer;
            case R -> rates;
            case C -> calib;
            case F -> fitness;
            case P -> ppl;
            case Q -> task;
            default -> throw new IllegalArgumentException(placeholder);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyOutputOptionIsRefusedOnEveryInput(Case c) throws IOException {
        Map<String, Path> targets = new LinkedHashMap<>();
        targets.put("the model folder", model);
        targets.put("a file inside the model", model.resolve("config.json"));
        targets.put("the model's weights", model.resolve("model.safetensors"));
        targets.put("a parent of the model", model.getParent());
        targets.put("the folder holding everything", root);
        for (String in : c.inputs().keySet()) targets.putIfAbsent("input " + in, resolve(in));
        for (var t : targets.entrySet()) refused(c, t.getKey(), t.getValue(), c.hasForce());
        refused(c, "an existing unrelated file", unrelated, false);
    }

    private void refused(Case c, String what, Path target, boolean force) {
        Map<Path, String> before = snapshot();
        List<String> args = new ArrayList<>();
        args.add(c.command());
        Path fresh = root.resolve("fresh-" + System.nanoTime());
        for (String a : c.args()) {
            if (a.equals("<fresh>")) args.add(fresh.toString());
            else if (a.startsWith("<")) args.add(resolve(a).toString());
            else if (a.startsWith("boolq=<")) args.add("boolq=" + resolve(a.substring(6)));
            else args.add(a);
        }
        args.add(c.option());
        args.add(target.toString());
        if (force) args.add("--force");
        BadInputCliTest.Outcome o = PruneCliTest.lopper(args.toArray(String[]::new));
        String line = o.err().strip();
        String label = c + " -> " + what + (force ? " (--force)" : "") + ": " + line;
        assertEquals(2, o.code(), label);
        assertFalse(line.contains("\n"), "one line: " + label);
        assertTrue(line.contains(c.option()), "the line names " + c.option() + ": " + label);
        assertEquals(before, snapshot(), "every input unchanged, nothing added: " + label);
    }

    /**
     * Every file under the fixture with the sha256 of its bytes (files over 1 MB, the weights: their
     * size, modification time and inode, which any write in place or by rename changes; hashing the
     * two 21 MB weights after each of ~200 refusals would dominate the test's time).
     */
    private static Map<Path, String> snapshot() {
        Map<Path, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(p)) m.put(p, "folder");
                else if (Files.size(p) > (1 << 20)) {
                    var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                    m.put(p, a.size() + " " + a.lastModifiedTime().toInstant() + " " + a.fileKey());
                } else m.put(p, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }
}
