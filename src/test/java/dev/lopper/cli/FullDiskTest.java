package dev.lopper.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real full disk (issue 18 defect 4): the command runs in its own mount namespace
 * ({@code unshare -rm}, no root needed where unprivileged user namespaces are allowed) with its
 * output folder on a tmpfs of a few KB. prune, export and search must each end with exit 2 and
 * one line naming the path and "No space left on device", and leave nothing on the tmpfs (listed
 * from inside the namespace before it goes away). Where the machine refuses the namespace or the
 * mount, the test is skipped and says why on the console.
 */
class FullDiskTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m").toAbsolutePath();
    static boolean available;
    static String why = "";

    @TempDir
    Path tmp;

    @BeforeAll
    static void probe() throws Exception {
        Path dir = Files.createTempDirectory("lopper-fulldisk-probe");
        try {
            Process p = new ProcessBuilder("unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=4k none \"$0\"",
                    dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            available = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            why = out;
        } catch (IOException e) {
            available = false;
            why = e.getMessage();
        } finally {
            Files.deleteIfExists(dir);
        }
        if (!available)
            System.out.println("FullDiskTest skipped: this machine does not let a test mount a small tmpfs in its own "
                    + "namespace (unshare -rm + mount -t tmpfs): " + why);
    }

    record Run(int code, List<String> stderr, List<String> left) {}

    /** Runs lopper with {@code disk} mounted as a tmpfs of {@code size} bytes; lists what is left there. */
    private Run onFullDisk(Path disk, String size, List<String> args) throws Exception {
        assumeTrue(available, "no tmpfs in a user namespace here: " + why);
        Files.createDirectories(disk);
        Path err = tmp.resolve("stderr.txt"), left = tmp.resolve("left.txt");
        List<String> java = SearchProcessTest.lopper(args, tmp.resolve("unused.log")).command();
        List<String> cmd = new ArrayList<>(List.of("unshare", "-rm", "sh", "-c",
                "mount -t tmpfs -o size=" + size + " none \"$0\" || exit 99; \"$@\"; rc=$?; "
                        + "find \"$0\" -mindepth 1 > \"" + left + "\"; exit $rc", disk.toString()));
        cmd.addAll(java);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        assertNotEquals(99, p.exitValue(), "mount failed");
        List<String> lines = Files.readAllLines(err).stream()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        return new Run(p.exitValue(), lines, Files.readAllLines(left));
    }

    private static void assertOneLineNamingTheDisk(Run r, Path disk) {
        assertEquals(2, r.code(), String.join("\n", r.stderr()));
        assertEquals(1, r.stderr().size(), "one line:\n" + String.join("\n", r.stderr()));
        String line = r.stderr().getFirst();
        assertTrue(line.startsWith("lopper: ") && line.contains(disk.toString())
                && line.contains("No space left on device"), line);
        assertFalse(line.contains("internal error"), line);
        assertEquals(List.of(), r.left(), "nothing left on the full disk");
    }

    @Test
    void pruneOnAFullDisk() throws Exception {
        Path disk = tmp.resolve("disk");
        Run r = onFullDisk(disk, "256k", List.of("prune", "--model", MODEL.toString(), "--criterion", "l2",
                "--target", "0.2", "--out", disk.resolve("pruned").toString(), "--quiet"));
        assertOneLineNamingTheDisk(r, disk);
    }

    @Test
    void exportOnAFullDisk() throws Exception {
        Path disk = tmp.resolve("disk");
        for (String format : List.of("gguf", "hf")) {
            Run r = onFullDisk(disk, "256k", List.of("export", "--model", MODEL.toString(), "--format", format,
                    "--out", disk.resolve("model." + format).toString(), "--quiet"));
            assertOneLineNamingTheDisk(r, disk);
        }
    }

    @Test
    void searchOnAFullDisk() throws Exception {
        Path disk = tmp.resolve("disk");
        Path calib = Files.copy(Path.of("README.md"), tmp.resolve("calib.txt"));
        Run r = onFullDisk(disk, "4k", List.of("search", "--model", MODEL.toString(), "--target", "0.3",
                "--out", disk.resolve("run").toString(), "--calib", calib.toString(), "--calib-windows", "4",
                "--calib-len", "32", "--fitness-windows", "2", "--fitness-len", "32", "--population", "4",
                "--crossovers", "2", "--mutations", "2", "--generations", "2", "--criterion", "l2", "--quiet"));
        assertOneLineNamingTheDisk(r, disk);
    }
}
