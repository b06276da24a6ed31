package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Ctrl-C (SIGINT) or SIGTERM while `lopper prune` is writing leaves no staging folder: the real CLI
 * runs in a child JVM, held just before the rename by the test-only property
 * {@code lopper.test.pauseBeforeRenameMs}, and is signalled there.
 */
class InterruptCleanupTest {
    @TempDir
    Path tmp;

    private Process startPrune(Path out) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // A test run started as a background job (`cmd &` without job control) inherits SIGINT ignored,
        // and the JVM keeps an ignored SIGINT ignored: reset it to the default in a small perl exec
        // wrapper (perl-base is essential on Debian), so the child sees Ctrl-C as a user's shell sends it.
        List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"",
                java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-Dlopper.test.pauseBeforeRenameMs=120000",
                "-cp", System.getProperty("java.class.path"), "dev.lopper.cli.Main",
                "prune", "--model", PruneCliTest.MODEL.toString(), "--criterion", "l2", "--layers", "0:0",
                "--target", "0.2", "--out", out.toString(), "--quiet"));
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Reads the child's stderr until the pause line; returns the staging folder it names. */
    private static Path awaitPause(Process p, StringBuilder log) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            log.append(line).append('\n');
            String marker = "lopper: test pause: staging ";
            if (line.startsWith(marker)) return Path.of(line.substring(marker.length()));
        }
        fail("the child ended before writing:\n" + log);
        return null;
    }

    private void stopWhileWriting(String signal) throws Exception {
        Path out = tmp.resolve("pruned-" + signal);
        Process p = startPrune(out);
        try {
            StringBuilder log = new StringBuilder();
            Path staging = awaitPause(p, log);
            assertTrue(Files.isRegularFile(staging.resolve("model.safetensors")), "the staging folder is being written");
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child stopped");
            assertNotEquals(0, p.exitValue());
            assertFalse(Files.exists(staging), "staging folder left after SIG" + signal + ": " + staging);
            assertFalse(Files.exists(out), "no half-made output");
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "nothing left beside --out");
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void sigtermWhileWritingLeavesNoStagingFolder() throws Exception {
        stopWhileWriting("TERM");
    }

    @Test
    void sigintWhileWritingLeavesNoStagingFolder() throws Exception {
        stopWhileWriting("INT");
    }
}
