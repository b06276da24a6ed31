package dev.lopper.cli;

import dev.lopper.io.PruningRecord;
import dev.lopper.io.PruningRecordFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `lopper search` and `lopper prune --allocation search` end to end on the embedded model (tiny
 * settings: calibration and fitness on this repository's README), and their bad inputs: one
 * line, exit 2, no run folder made or changed.
 */
class SearchCliTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");
    static final List<String> SMALL = List.of("--calib", "README.md", "--calib-samples", "4", "--calib-len", "32",
            "--fitness-windows", "2", "--fitness-len", "32", "--population", "4", "--crossovers", "2", "--mutations",
            "2", "--generations", "2", "--quiet");

    @TempDir
    Path tmp;

    static BadInputCliTest.Outcome lopper(List<String> args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(err, true), args.toArray(String[]::new));
        return new BadInputCliTest.Outcome(code, err.toString());
    }

    static List<String> search(Path out, String target, String... more) {
        List<String> a = new ArrayList<>(List.of("search", "--model", MODEL.toString(), "--target", target,
                "--out", out.toString()));
        a.addAll(SMALL);
        a.addAll(List.of(more));
        return a;
    }

    static void assertBadInput(BadInputCliTest.Outcome o, String... mustContain) {
        assertEquals(2, o.code(), o.err());
        String line = o.err().strip();
        assertFalse(line.contains("\n"), "one line:\n" + o.err());
        for (String s : mustContain) assertTrue(line.contains(s), "'" + s + "' missing in: " + line);
    }

    @Test
    void searchThenPruneWithItsRatesGivesTheModelPruneAllocationSearchGives() throws Exception {
        Path run = tmp.resolve("run");
        BadInputCliTest.Outcome o = lopper(search(run, "0.3", "--fitness", "kl", "--top-k", "64"));
        assertEquals(0, o.code(), o.err());
        for (String f : List.of("best-rates.json", "best.json", "run.json", "events.jsonl", "checkpoint.json",
                "best-so-far.png", "rates.png"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        assertTrue(Files.readString(run.resolve("run.json")).contains("\"fitnessSplit\""));

        // --allocation file with the search's rates ...
        Path byFile = tmp.resolve("by-file");
        List<String> prune = new ArrayList<>(List.of("prune", "--model", MODEL.toString(), "--target", "0.3",
                "--allocation", "file", "--rates", run.resolve("best-rates.json").toString(), "--out", byFile.toString()));
        prune.addAll(SMALL.subList(0, 6));
        prune.add("--quiet");
        assertEquals(0, lopper(prune).code());
        // ... keeps exactly the groups that prune --allocation search keeps with the same settings.
        Path bySearch = tmp.resolve("by-search");
        List<String> ps = new ArrayList<>(List.of("prune", "--model", MODEL.toString(), "--target", "0.3",
                "--allocation", "search", "--fitness", "kl", "--top-k", "64", "--out", bySearch.toString()));
        ps.addAll(SMALL);
        BadInputCliTest.Outcome p = lopper(ps);
        assertEquals(0, p.code(), p.err());
        assertTrue(Files.isRegularFile(tmp.resolve("by-search-search").resolve("best-rates.json")));
        PruningRecord a = PruningRecordFile.read(byFile.resolve("pruning.json"));
        PruningRecord b = PruningRecordFile.read(bySearch.resolve("pruning.json"));
        assertEquals("search", b.options().allocation());
        assertEquals(a.kept().size(), b.kept().size());
        for (int i = 0; i < a.kept().size(); i++) {
            assertArrayEquals(a.kept().get(i).kvHeads(), b.kept().get(i).kvHeads());
            assertArrayEquals(a.kept().get(i).channels(), b.kept().get(i).channels());
        }
        assertEquals(0.3, b.parameters().fractionRemoved(), 0.002);
    }

    @Test
    void badInputsAreOneLineExit2AndLeaveNoRunFolder() throws Exception {
        Path run = tmp.resolve("r");
        // 50% of this model is 83% of every layer: more than rates up to 0.8 can remove.
        assertBadInput(lopper(search(run, "0.5")), "--max-rate");
        assertFalse(Files.exists(run), "no run folder for a bad target");
        assertBadInput(lopper(search(run, "0.3", "--operator", "llm")), "--operator-url");
        assertFalse(Files.exists(run));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertBadInput(lopper(search(run, "0.3", "--operator", "llm", "--operator-url", "http://127.0.0.1:" + port + "/v1")),
                "cannot reach the operator");
        assertFalse(Files.exists(run));
        assertBadInput(lopper(search(run, "0.3", "--fitness", "mse")), "unknown fitness 'mse'", "ppl, kl");
        if (Files.isDirectory(Path.of("../shared/data/eval/wikitext2-hf-joined")))
            assertBadInput(lopper(search(run, "0.3", "--fitness-data", "wikitext2")), "test split");
        assertFalse(Files.exists(run));
        Path rates = tmp.resolve("three.json");
        Files.writeString(rates, "[0.1, 0.2, 0.3]");
        assertBadInput(lopper(List.of("prune", "--model", MODEL.toString(), "--criterion", "l2", "--allocation", "file",
                "--rates", rates.toString(), "--out", tmp.resolve("p").toString(), "--quiet")), "three.json", "8 layers");
    }

    @Test
    void resumingAnotherRunsFolderChangesNothing() throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, lopper(search(run, "0.3")).code());
        List<byte[]> before = new ArrayList<>();
        List<Path> files;
        try (var s = Files.list(run)) {
            files = s.sorted().toList();
        }
        for (Path f : files) before.add(Files.readAllBytes(f));
        // Another target, another seed, another model: refused, nothing written.
        List<String> other = new ArrayList<>(List.of("search", "--model", MODEL.toString(), "--target", "0.25",
                "--resume", run.toString()));
        other.addAll(SMALL);
        assertBadInput(lopper(other), "run.json", "target");
        List<String> seed = search(run, "0.3", "--search-seed", "9");
        seed.set(seed.indexOf("--out"), "--resume");
        assertBadInput(lopper(seed), "seed");
        assertBadInput(lopper(search(run, "0.3")), "already exists", "--resume");
        try (var s = Files.list(run)) {
            assertEquals(files, s.sorted().toList());
        }
        for (int i = 0; i < files.size(); i++) assertArrayEquals(before.get(i), Files.readAllBytes(files.get(i)), files.get(i).toString());
        // The same settings resume (nothing left to do) and more generations continue it.
        List<String> same = search(run, "0.3");
        same.set(same.indexOf("--out"), "--resume");
        assertEquals(0, lopper(same).code());
        same.set(same.indexOf("--generations") + 1, "3");
        assertEquals(0, lopper(same).code());
        assertTrue(Files.readString(run.resolve("checkpoint.json")).contains("\"generation\" : 3"));
    }
}
