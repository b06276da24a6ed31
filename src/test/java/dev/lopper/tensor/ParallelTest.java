package dev.lopper.tensor;

import dev.lopper.BadInputException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The thread count: {@code LOPPER_THREADS} / {@code -Dlopper.threads}, re-sizing, and bad values. */
class ParallelTest {

    @Test
    void configureResizesThePoolAndEveryIndexRunsOnce() {
        try {
            for (int threads : new int[] {1, 3, 8}) {
                Parallel.configure(threads, 0);
                assertEquals(threads, Parallel.threads());
                int[] hits = new int[1000];
                Parallel.forRange(hits.length, 1, (from, to) -> {
                    for (int i = from; i < to; i++) hits[i]++;
                });
                for (int i = 0; i < hits.length; i++) assertEquals(1, hits[i], "index " + i + " with " + threads + " threads");
            }
        } finally {
            Parallel.reset();
        }
    }

    @Test
    void aBadThreadCountPropertyIsBadInput() {
        String old = System.getProperty("lopper.threads");
        try {
            for (String bad : new String[] {"0", "-2", "two"}) {
                System.setProperty("lopper.threads", bad);
                BadInputException e = assertThrows(BadInputException.class, Parallel::reset);
                assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
            }
        } finally {
            if (old == null) System.clearProperty("lopper.threads");
            else System.setProperty("lopper.threads", old);
            Parallel.reset();
        }
    }

    /** The CLI with LOPPER_THREADS=two: one line naming the variable, exit 2. */
    @Test
    void aBadLopperThreadsVariableStopsTheCliWithOneLine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.lopper.cli.Main", "generate", "--model", "models/tiny-llama-gqa-8m", "--prompt", "Once",
                "--new-tokens", "1"));
        pb.environment().put("LOPPER_THREADS", "two");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(2, p.exitValue(), err);
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).contains("LOPPER_THREADS") && lines.get(0).contains("'two'"), err);
    }
}
