package dev.lopper.allocation.search.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The search on a cluster, every side a separate JVM on loopback: a driver ({@code lopper search
 * --cluster}) and three workers (two started before the driver, one after), one of which is frozen
 * (SIGSTOP) once it has joined, so that it surely holds a candidate, and then SIGKILLed; a fourth
 * worker with another vector width is refused with one line. The cluster's best-rates.json must
 * equal, byte for byte, the same search run in one process with {@code --jobs 1}, and its
 * events.jsonl must hold each evaluation once (the same fitness lines as the local run).
 * stories260K-hf with its calibration text when ../shared is there, else the embedded 8M fixture.
 */
class ClusterProcessTest {
    static final Path SHARED_MODEL = Path.of("../shared/data/models/stories260K-hf");
    static final Path SHARED_CALIB = Path.of("../shared/data/eval/tinystories/calib.txt");
    static final String SECRET = "test-secret-7f3a9c";

    @TempDir
    Path tmp;

    record Setup(Path model, Path calib) {}

    Setup setup() throws IOException {
        if (Files.isDirectory(SHARED_MODEL) && Files.isRegularFile(SHARED_CALIB)) return new Setup(SHARED_MODEL, SHARED_CALIB);
        System.out.println("ClusterProcessTest: ../shared absent; using the embedded models/tiny-llama-gqa-8m");
        Path calib = tmp.resolve("calib.txt");
        Files.copy(Path.of("README.md"), calib);
        return new Setup(Path.of("models/tiny-llama-gqa-8m"), calib);
    }

    List<String> search(Setup s, Path run) {
        return new ArrayList<>(List.of("search", "--model", s.model().toString(), "--target", "0.3", "--out", run.toString(),
                "--calib", s.calib().toString(), "--calib-samples", "4", "--calib-len", "32", "--fitness-windows", "4",
                "--fitness-len", "64", "--population", "6", "--crossovers", "3", "--mutations", "3", "--generations", "4",
                "--search-seed", "5", "--criterion", "l2", "--quiet"));
    }

    static Process start(List<String> args, Path log, String... jvm) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m",
                "-XX:+UseSerialGC", "-Xss4m"));
        cmd.addAll(List.of(jvm));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lopper.cli.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put(Secret.VARIABLE, SECRET);
        return pb.start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void await(String what, BooleanSupplier done, Process... mustLive) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!done.getAsBoolean()) {
            for (Process p : mustLive) assertTrue(p.isAlive(), what + ": a process ended early");
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    static JsonNode cluster(Path run) {
        try {
            return new ObjectMapper().readTree(run.resolve("run.json").toFile()).path("cluster");
        } catch (IOException notYet) {
            return new ObjectMapper().createObjectNode();
        }
    }

    static long ready(Path run, int pid) {
        long n = 0;
        for (JsonNode m : cluster(run).path("members"))
            if (m.path("state").asText().equals("ready") && (pid < 0 || m.path("worker").asText().contains("pid " + pid + ")")))
                n++;
        return n;
    }

    static List<String> fitnessLines(Path run) throws IOException {
        return Files.readAllLines(run.resolve("events.jsonl")).stream().filter(l -> l.startsWith("{\"type\":\"fitness\"")).toList();
    }

    static String log(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Test
    void aKilledWorkerLosesNothingAnotherWidthIsRefusedAndTheResultIsTheLocalRunsBitForBit() throws Exception {
        Setup s = setup();
        Path local = tmp.resolve("local"), clustered = tmp.resolve("cluster");
        Process ref = start(search(s, local), tmp.resolve("local.log"));

        int port = freePort();
        String join = "127.0.0.1:" + port;
        List<String> worker = List.of("worker", "--join", join, "--model", s.model().toString());
        Process w1 = start(worker, tmp.resolve("w1.log"));   // before the driver: it waits for it
        List<String> driverArgs = search(s, clustered);
        driverArgs.addAll(List.of("--cluster", join));
        Process driver = start(driverArgs, tmp.resolve("driver.log"));
        Process w2 = null, w3 = null, narrow = null;
        try {
            int pid1 = (int) w1.pid();
            await("worker 1 to join", () -> ready(clustered, pid1) == 1, driver, w1);
            // Frozen, the only worker keeps the candidate it holds or is given next: the search waits for it.
            new ProcessBuilder("kill", "-STOP", String.valueOf(pid1)).start().waitFor();
            Thread.sleep(4000);
            assertTrue(driver.isAlive(), log(tmp.resolve("driver.log")));
            w1.destroyForcibly();   // SIGKILL, in the middle of a generation
            // Mid-run: two workers join and get its candidate and the rest; one with another vector width is refused.
            w2 = start(worker, tmp.resolve("w2.log"));
            w3 = start(worker, tmp.resolve("w3.log"));
            narrow = start(worker, tmp.resolve("narrow.log"), "-Dlopper.vectorBits=128");
            assertTrue(driver.waitFor(6, TimeUnit.MINUTES), "driver did not end:\n" + log(tmp.resolve("driver.log")));
            assertEquals(0, driver.exitValue(), log(tmp.resolve("driver.log")));
            assertTrue(ref.waitFor(6, TimeUnit.MINUTES));
            assertEquals(0, ref.exitValue(), log(tmp.resolve("local.log")));

            assertArrayEquals(Files.readAllBytes(local.resolve("best-rates.json")),
                    Files.readAllBytes(clustered.resolve("best-rates.json")), "best-rates.json differs from the local run");
            // Each evaluation once: the same fitness lines, in the same order, as the local run.
            List<String> lines = fitnessLines(clustered);
            assertEquals(fitnessLines(local), lines);
            Set<String> evaluated = new HashSet<>();
            for (String l : lines) {
                JsonNode e = new ObjectMapper().readTree(l);
                if (!e.get("cached").asBoolean())
                    assertTrue(evaluated.add(e.get("key").asText() + "@" + e.get("windows").asInt()), "evaluated twice: " + l);
            }
            JsonNode best = new ObjectMapper().readTree(clustered.resolve("best.json").toFile());
            assertEquals(best.get("evaluations").asLong(), evaluated.size());

            JsonNode c = cluster(clustered);
            assertEquals(evaluated.size(), c.get("evaluations").asLong());
            assertTrue(c.get("resubmitted").asLong() >= 1, "the frozen worker's candidate was not re-submitted: " + c);
            long sum = 0;
            for (JsonNode m : c.get("members")) sum += m.get("evaluations").asLong();
            assertEquals(evaluated.size(), sum, "evaluations per worker add up: " + c);
            assertTrue(c.toString().contains("\"state\":\"left\""), c.toString());
            // The workers started after the search had handed out its first candidate did all the work.
            long late = 0;
            for (JsonNode m : c.get("members"))
                for (Process w : new Process[]{w2, w3})
                    if (m.get("worker").asText().endsWith("(pid " + w.pid() + ")")) late += m.get("evaluations").asLong();
            assertEquals(evaluated.size(), late, "the workers that joined mid-run did the evaluations: " + c);
            assertTrue(c.toString().contains("vector width differs (driver "), c.toString());

            for (Process w : new Process[]{w2, w3}) {
                assertTrue(w.waitFor(1, TimeUnit.MINUTES), "a worker did not exit after the search");
                assertEquals(0, w.exitValue());
            }
            assertTrue(narrow.waitFor(1, TimeUnit.MINUTES));
            assertEquals(2, narrow.exitValue(), log(tmp.resolve("narrow.log")));
            List<String> refusal = Files.readAllLines(tmp.resolve("narrow.log")).stream().filter(l -> l.contains("refused")).toList();
            assertEquals(1, refusal.size(), log(tmp.resolve("narrow.log")));
            assertTrue(refusal.getFirst().startsWith("lopper: refused by the driver at " + join + ": vector width differs "
                    + "(driver "), refusal.getFirst());

            // The secret is in no file of the run folder and no log.
            try (var files = Files.walk(tmp)) {
                for (Path f : files.filter(Files::isRegularFile).toList())
                    assertFalse(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1).contains(SECRET), f.toString());
            }
        } finally {
            for (Process p : new Process[]{driver, ref, w1, w2, w3, narrow})
                if (p != null && p.isAlive()) p.destroyForcibly();
        }
    }
}
