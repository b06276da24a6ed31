package dev.lopper.cli;

import dev.lopper.io.Checkpoints;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Outputs are checked before the work, never land on an input, and are as readable as the model. */
class OutputSafetyTest {
    @TempDir
    Path tmp;

    private static BadInputCliTest.Outcome lopper(String... args) {
        return PruneCliTest.lopper(args);
    }

    private static void assertBadInput(BadInputCliTest.Outcome o, String... mustContain) {
        PruneCliTest.assertBadInput(o, mustContain);
    }

    /** A copy of the embedded model (so a failed check could only harm the copy). */
    private Path modelCopy(String name) throws IOException {
        Path src = PruneCliTest.MODEL, dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    private static String[] prune(Path model, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("prune", "--model", model.toString(), "--criterion", "l2",
                "--layers", "0:0", "--target", "0.2", "--out", out.toString(), "--quiet"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void outputOnOrAroundTheModelIsRefusedEvenWithForce() throws IOException {
        Path model = modelCopy("model");
        long before = Files.size(model.resolve("model.safetensors"));
        assertBadInput(lopper(prune(model, model, "--force")), "--out is --model");
        assertBadInput(lopper(prune(model, model.resolve("pruned"), "--force")), "--out is inside --model");
        assertBadInput(lopper(prune(model, tmp, "--force")), "--out contains --model");
        // The same folder spelled another way, and through a link.
        assertBadInput(lopper(prune(model, model.resolve("../model/."), "--force")), "--out is --model");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), model);
        assertBadInput(lopper(prune(model, link, "--force")), "--out is --model");
        assertEquals(before, Files.size(model.resolve("model.safetensors")));
        assertFalse(Files.exists(model.resolve("pruned")));
    }

    /** The report folder is checked first: the error is about --report, not the (missing) corpus read later. */
    @Test
    void reportOrJsonThatCannotBeWrittenFailsBeforeTheWork() throws IOException {
        Path file = tmp.resolve("existing.md");
        Files.writeString(file, "not a folder");
        Path missingCorpus = tmp.resolve("no-such-corpus.txt");
        assertBadInput(lopper("eval", "--model", PruneCliTest.MODEL.toString(), "--ppl", missingCorpus.toString(),
                "--report", file.toString()), "existing.md", "--report");
        assertBadInput(lopper("bench", "--model", tmp.resolve("no-such-model").toString(), "--report", file.toString()),
                "existing.md", "--report");
        assertBadInput(lopper("info", "--model", tmp.resolve("no-such-model").toString(), "--json", tmp.toString()),
                "--json");
        assertBadInput(lopper("eval", "--model", PruneCliTest.MODEL.toString(), "--tasks", "boolq=" + missingCorpus,
                "--log-samples", file.resolve("x.jsonl").toString()), "existing.md", "--log-samples");
        assertEquals("not a folder", Files.readString(file));
    }

    @Test
    void prunedFolderGetsTheModelsPermissions() throws IOException {
        Path model = modelCopy("model");
        Set<PosixFilePermission> fileMode = PosixFilePermissions.fromString("rw-r-----");
        Set<PosixFilePermission> dirMode = PosixFilePermissions.fromString("rwxr-x---");
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.setPosixFilePermissions(f, fileMode);
        }
        Files.setPosixFilePermissions(model, dirMode);
        Path out = tmp.resolve("pruned");
        Path json = tmp.resolve("result.json");
        BadInputCliTest.Outcome o = lopper(prune(model, out, "--json", json.toString()));
        assertEquals(0, o.code(), o.err());
        assertEquals(dirMode, Files.getPosixFilePermissions(out));
        try (Stream<Path> files = Files.list(out)) {
            List<Path> all = files.toList();
            assertTrue(all.size() >= 4, all.toString());   // config, weights, tokenizer files, pruning.json
            for (Path f : all) assertEquals(fileMode, Files.getPosixFilePermissions(f), f.toString());
        }
        // Other outputs get the user's usual permissions (as a plainly created file), not a temp file's 0600.
        Path plain = tmp.resolve("plain");
        Files.writeString(plain, "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(json));
    }

    @Test
    void readOnlyModelGivesAnOutputItsOwnerCanReplace() throws IOException {
        Path model = modelCopy("model");
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : (Iterable<Path>) files::iterator)
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
        }
        Path out = tmp.resolve("pruned");
        assertEquals(0, lopper(prune(model, out)).code());
        assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(out.resolve("config.json")));
        BadInputCliTest.Outcome again = lopper(prune(model, out, "--force"));
        assertEquals(0, again.code(), again.err());
    }

    /** Checks through the CLI that the strict model checks exit 2 with one line naming the file. */
    @Test
    void strictModelChecksThroughTheCli() throws IOException {
        Path model = modelCopy("mistral");
        Path cfg = model.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("LlamaForCausalLM", "MistralForCausalLM")
                .replace("\"hidden_act\": \"silu\",", "\"hidden_act\": \"silu\", \"sliding_window\": 64,"));
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Some words to score. ".repeat(300));
        assertBadInput(lopper("eval", "--model", model.toString(), "--ppl", text.toString(), "--seq-len", "128"),
                "--seq-len 128", "64");
        assertEquals(0, lopper("eval", "--model", model.toString(), "--ppl", text.toString(), "--seq-len", "64",
                "--max-windows", "2", "--quiet").code());
        Files.writeString(cfg, Files.readString(cfg).replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\""));
        assertBadInput(lopper("info", "--model", model.toString()), "config.json", "gelu");

        Path small = tmp.resolve("small");
        Checkpoints.saveHf(TestModels.uneven(1, false, false, DType.F32), small, false);
        assertBadInput(lopper("generate", "--model", small.toString(), "--tokenizer",
                PruneCliTest.MODEL.resolve("tokenizer.json").toString(), "--prompt", "Hello"), "tokenizer.json", "small");
    }
}
