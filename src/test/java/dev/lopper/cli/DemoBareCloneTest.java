package dev.lopper.cli;

import dev.lopper.eval.ReportTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's first command on a bare clone: the launcher, the embedded model and the bundled
 * texts copied into a folder with nothing beside it (no ../shared/data, no LOPPER_DATA), then
 * {@code ./lopper demo} with small settings so it takes seconds.
 */
class DemoBareCloneTest {
    @TempDir
    Path tmp;

    /** Copies what a clone has that the demo reads: the launcher, bin/, models/, data/. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    @Test
    void demoRunsWithoutADataFolderAndWritesItsReport() throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Path clone = tmp.resolve("clone/lopper");
        Files.createDirectories(clone);
        Files.copy(repo.resolve("lopper"), clone.resolve("lopper"), StandardCopyOption.COPY_ATTRIBUTES);
        copyTree(repo.resolve("bin"), clone.resolve("bin"));
        copyTree(repo.resolve("models"), clone.resolve("models"));
        copyTree(repo.resolve("data"), clone.resolve("data"));
        assertFalse(Files.exists(clone.resolveSibling("shared")), "nothing beside the clone");

        ProcessBuilder pb = LauncherTest.launcher(clone, List.of("demo", "--max-windows", "4", "--calib-windows", "4",
                "--runs", "2", "--warmup", "0", "--report", "reports/bare"), Map.of())
                .directory(clone.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "demo did not finish:\n" + out);
        assertEquals(0, p.exitValue(), out);

        Path report = clone.resolve("reports/bare/report.md");
        assertTrue(Files.isRegularFile(report), out);
        String md = Files.readString(report);
        ReportTest.assertReadable(md, report.getParent());
        assertTrue(md.contains("| wikitext2 | 128 | first 4 of "), md);
        assertFalse(md.contains("| ptb |"), "no data folder, so no PTB:\n" + md);
        assertTrue(md.contains("data/demo/c4-train-00000-head.jsonl"), "calibration text named:\n" + md);
        assertTrue(md.contains("![Speed") && md.contains("![Perplexity"), md);
        assertTrue(Files.isRegularFile(clone.resolve("reports/bare/pruned-model/README.md")));
        assertTrue(Files.isRegularFile(clone.resolve("reports/bare/demo.json")));
    }
}
