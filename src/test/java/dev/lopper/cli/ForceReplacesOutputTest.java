package dev.lopper.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --force means the same on every command that writes: an existing output file, or an output
 * folder Lopper wrote (it holds the command's marker file), is replaced; a folder Lopper did not
 * write is still refused. (That --force never lets an output be or hold an input is
 * {@link OutputGuardMatrixTest}'s, which passes --force to every command.) Here the commands that
 * had no --force before: eval, bench, info, generate and demo, each run for real on the small
 * test model.
 */
class ForceReplacesOutputTest {
    @TempDir
    Path tmp;

    static final Path MODEL = PruneCliTest.MODEL;
    static final String PPL = "data/demo/wikitext2-test-head.txt";

    /** A command that writes {@code option}; {@code marker} is the file that marks its report folder (null: a file). */
    record Case(String command, String option, String marker, List<String> args) {
        @Override
        public String toString() {
            return command + " " + option;
        }
    }

    static Stream<Case> cases() {
        List<String> eval = List.of("--model", MODEL.toString(), "--ppl", PPL, "--max-windows", "1", "--quiet");
        List<String> bench = List.of("--model", MODEL.toString(), "--runs", "1", "--warmup", "0", "--batch", "1",
                "--prompt-len", "8", "--new-tokens", "2", "--quiet");
        List<String> demo = List.of("--model", MODEL.toString(), "--max-windows", "1", "--calib-windows", "1",
                "--runs", "1", "--warmup", "0", "--quiet");
        return Stream.of(
                new Case("eval", "--json", null, eval),
                new Case("eval", "--report", "report.md", eval),
                new Case("bench", "--json", null, bench),
                new Case("bench", "--report", "bench.md", bench),
                new Case("info", "--json", null, List.of("--model", MODEL.toString())),
                new Case("generate", "--json", null, List.of("--model", MODEL.toString(), "--prompt", "Once",
                        "--new-tokens", "2")),
                new Case("demo", "--json", null, demo),
                new Case("demo", "--report", "report.md", demo));
    }

    private BadInputCliTest.Outcome run(Case c, Path target, boolean force) {
        List<String> args = new ArrayList<>();
        args.add(c.command());
        args.addAll(c.args());
        args.add(c.option());
        args.add(target.toString());
        // demo writes a report folder even when --report is not the option tried: put it in tmp.
        if (c.command().equals("demo") && !c.option().equals("--report"))
            args.addAll(List.of("--report", tmp.resolve("demo-report").toString()));
        if (force) args.add("--force");
        return PruneCliTest.lopper(args.toArray(String[]::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forceReplacesAnOutputLopperMayReplace(Case c) throws IOException {
        Path target = tmp.resolve(c.marker() == null ? "old.json" : "old-report");
        Path written;      // the file the command writes, which holds "old" before
        Path stale = null; // a file of the old report folder
        if (c.marker() == null) {
            written = Files.writeString(target, "old\n");
        } else {
            Files.createDirectories(target);
            written = Files.writeString(target.resolve(c.marker()), "old\n");
            stale = Files.writeString(target.resolve("stale.txt"), "from an earlier run\n");
        }

        BadInputCliTest.Outcome refused = run(c, target, false);
        assertEquals(2, refused.code(), c + " without --force: " + refused.err());
        assertTrue(refused.err().contains("--force"), "says how: " + refused.err());
        assertEquals("old\n", Files.readString(written), "unchanged without --force");

        BadInputCliTest.Outcome replaced = run(c, target, true);
        assertEquals(0, replaced.code(), c + " --force: " + replaced.err());
        String now = Files.readString(written);
        assertNotEquals("old\n", now, c + " --force replaced " + written);
        if (c.marker() == null) assertTrue(now.strip().startsWith("{"), "JSON: " + now);
        else assertTrue(now.startsWith("#"), "a Markdown report: " + now);
        if (c.command().equals("demo") && stale != null)
            assertFalse(Files.exists(stale), "demo --force replaces the whole old report folder");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no staging left in " + tmp);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forceDoesNotReplaceAFolderLopperDidNotWrite(Case c) throws IOException {
        if (c.marker() == null) return;     // files: a folder where a file is wanted is refused (the matrix)
        Path folder = Files.createDirectories(tmp.resolve("photos"));
        Path photo = Files.writeString(folder.resolve("holiday.jpg"), "the user's photo\n");
        BadInputCliTest.Outcome o = run(c, folder, true);
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("Lopper did not write") && o.err().contains("--report"), o.err());
        assertEquals("the user's photo\n", Files.readString(photo));
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(1, s.count(), "nothing added to " + folder);
        }
    }
}
