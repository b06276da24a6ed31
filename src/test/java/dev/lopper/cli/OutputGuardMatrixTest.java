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
 * text, a second model, corpora and task files, search's prompt templates and operator model, a
 * search run being resumed, the demo's bundled texts), and an existing unrelated file without
 * --force. Each must be refused with exit 2 and one line naming the output option, and afterwards
 * every file under the fixture (and the demo's texts) has the same bytes and no file was added or
 * removed. Every command has --force and gets it for every case but the unrelated file: --force
 * never lets an output touch an input.
 */
class OutputGuardMatrixTest {
    static Path root;
    static Path model, model2, tokenizer, rates, calib, fitness, ppl, task, prompts, operator, run, unrelated;

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
        prompts = Files.createDirectories(inputs.resolve("prompts"));
        Files.writeString(prompts.resolve("ga.txt"), "my template\n");
        operator = copy(PruneCliTest.MODEL, inputs.resolve("operator-model"));
        // A run folder to resume: only its name and its run.json are looked at before the refusal.
        run = Files.createDirectories(root.resolve("run"));
        Files.writeString(run.resolve("run.json"), "{}\n");
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
    record Case(String command, String option, List<String> args, Map<String, Path> inputs) {
        @Override
        public String toString() {
            return command + " " + option;
        }
    }

    /** Placeholders in the argument lists, filled once the fixture exists. */
    private static final String M = "<model>", M2 = "<model2>", T = "<tokenizer>", R = "<rates>", C = "<calib>",
            F = "<fitness>", P = "<ppl>", Q = "<task>", PR = "<prompts>", OP = "<operator>", RUN = "<run>",
            RUNJ = "<run.json>", DC = "<demo-calib>", DW = "<demo-wikitext>";

    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        List<String> search = List.of("--model", M, "--tokenizer", T, "--calib", C, "--fitness-data", F, "--target", "0.2",
                "--population", "2", "--generations", "1", "--operator", "self", "--prompts", PR,
                "--operator-model-dir", OP, "--quiet");
        for (String opt : List.of("--out", "--json")) {
            List<String> a = new ArrayList<>(search);
            if (!opt.equals("--out")) a.addAll(List.of("--out", "<fresh>"));
            all.add(new Case("search", opt, a, inputs(M, T, C, F, PR, OP)));
        }
        // Resuming: the run folder is written in place, so no other output may be it or lie in it,
        // and it may not be (or hold) an input.
        List<String> resume = new ArrayList<>(search);
        resume.addAll(List.of("--resume", RUN));
        all.add(new Case("search", "--json", resume, inputs(M, T, C, F, PR, OP, RUN, RUNJ)));
        all.add(new Case("search", "--resume", search, inputs(M, T, C, F, PR, OP)));
        List<String> prune = List.of("--model", M, "--tokenizer", T, "--calib", C, "--target", "0.2", "--quiet");
        for (String opt : List.of("--out", "--json", "--report", "--search-out")) {
            List<String> a = new ArrayList<>(prune);
            if (!opt.equals("--out")) a.addAll(List.of("--out", "<fresh>"));
            switch (opt) {
                case "--report" -> a.addAll(List.of("--criterion", "hywia", "--allocation", "file", "--rates", R));
                case "--search-out" -> a.addAll(List.of("--allocation", "search", "--fitness-data", F));
                default -> a.addAll(List.of("--criterion", "l2", "--allocation", "file", "--rates", R));
            }
            all.add(new Case("prune", opt, a, opt.equals("--search-out") ? inputs(M, T, C, F) : inputs(M, T, C, R)));
        }
        for (String format : List.of("gguf", "hf")) {
            all.add(new Case("export", "--out", List.of("--model", M, "--tokenizer", T, "--format", format), inputs(M, T)));
        }
        all.add(new Case("export", "--json", List.of("--model", M, "--tokenizer", T, "--format", "gguf", "--out",
                "<fresh>"), inputs(M, T)));
        List<String> eval = List.of("--model", M, "--vs", M2, "--tokenizer", T, "--ppl", P, "--tasks", "boolq=" + Q,
                "--quiet");
        for (String opt : List.of("--json", "--report", "--log-samples"))
            all.add(new Case("eval", opt, eval, inputs(M, M2, T, P, Q)));
        for (String opt : List.of("--json", "--report"))
            all.add(new Case("bench", opt, List.of("--model", M, "--vs", M2, "--runs", "1"), inputs(M, M2)));
        for (String opt : List.of("--json", "--report"))
            all.add(new Case("demo", opt, List.of("--model", M, "--quiet"), inputs(M, DC, DW)));
        all.add(new Case("generate", "--json", List.of("--model", M, "--tokenizer", T, "--prompt", "Once"),
                inputs(M, T)));
        all.add(new Case("info", "--json", List.of("--model", M, "--tokenizer", T), inputs(M, T)));
        // recover's two paths: the least-squares re-fit (a teacher) and LoRA (training text, a teacher for KD).
        List<String> refit = List.of("--model", M, "--teacher", M2, "--reconstruct", "--calib", C, "--quiet");
        List<String> lora = List.of("--model", M, "--teacher", M2, "--data", C, "--eval-data", P, "--quiet");
        for (String opt : List.of("--out", "--json")) {
            List<String> a = new ArrayList<>(refit), b = new ArrayList<>(lora);
            if (!opt.equals("--out")) {
                a.addAll(List.of("--out", "<fresh>"));
                b.addAll(List.of("--out", "<fresh>"));
            }
            all.add(new Case("recover", opt, a, inputs(M, M2, C)));
            all.add(new Case("recover", opt, b, inputs(M, M2, C, P)));
        }
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
            case PR -> prompts;
            case OP -> operator;
            case RUN -> run;
            case RUNJ -> run.resolve("run.json");
            case DC -> dev.lopper.data.DemoTexts.calibration();
            case DW -> dev.lopper.data.DemoTexts.bundled(dev.lopper.data.DemoTexts.WIKITEXT2);
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
        for (var t : targets.entrySet()) refused(c, t.getKey(), t.getValue(), true);
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
     * Every file under the fixture and data/demo with the sha256 of its bytes (files over 1 MB, the weights: their
     * size, modification time and inode, which any write in place or by rename changes; hashing the
     * two 21 MB weights after each of ~200 refusals would dominate the test's time).
     */
    private static Map<Path, String> snapshot() {
        Map<Path, String> m = new TreeMap<>();
        for (Path top : List.of(root, Path.of(dev.lopper.data.DemoTexts.FOLDER))) {
            try (Stream<Path> s = Files.walk(top)) {
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
        }
        return m;
    }
}
