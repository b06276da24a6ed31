package dev.lopper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `lopper search` as a separate process: killed with SIGKILL in the middle of a generation and
 * resumed, it ends where the uninterrupted run ends; and with an API key in the environment, the
 * key reaches the server's Authorization header and nothing else (no file, no output).
 */
class SearchProcessTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");
    /** Calibration text: a copy of README.md made by each test, so that editing the README cannot change a run. */
    static final List<String> SMALL = List.of("--calib", "CALIB", "--calib-samples", "4", "--calib-len", "32",
            "--fitness-windows", "4", "--fitness-len", "64", "--population", "6", "--crossovers", "3", "--mutations",
            "3", "--generations", "5", "--search-seed", "3", "--criterion", "l2", "--quiet");

    @TempDir
    Path tmp;

    static ProcessBuilder lopper(List<String> args, Path log) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "dev.lopper.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    }

    List<String> search(String flag, Path run) throws IOException {
        Path calib = tmp.resolve("calib.txt");
        if (!Files.exists(calib)) Files.copy(Path.of("README.md"), calib);
        List<String> a = new ArrayList<>(List.of("search", "--model", MODEL.toString(), "--target", "0.3", flag,
                run.toString()));
        for (String s : SMALL) a.add(s.equals("CALIB") ? calib.toString() : s);
        return a;
    }

    static JsonNode best(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("best.json").toFile());
    }

    static int generation(Path run) {
        try {
            return new ObjectMapper().readTree(run.resolve("checkpoint.json").toFile()).get("generation").asInt();
        } catch (IOException notYet) {
            return -1;
        }
    }

    @Test
    void sigkillMidGenerationThenResumeEndsWhereTheUninterruptedRunEnds() throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        Process p = lopper(search("--out", whole), tmp.resolve("whole.log")).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("whole.log")));

        Process k = lopper(search("--out", cut), tmp.resolve("cut.log")).start();
        // Wait until generation 2 is checkpointed and generation 3 has begun (its events are being written).
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (k.isAlive() && System.nanoTime() < deadline) {
            if (generation(cut) >= 2 && Files.size(cut.resolve("events.jsonl")) > eventsAtCheckpoint(cut) + 2000) break;
            Thread.sleep(20);
        }
        assertTrue(k.isAlive(), "the run finished before it could be killed; make it longer");
        k.destroyForcibly();   // SIGKILL on Unix
        k.waitFor();
        int at = generation(cut);
        assertTrue(at >= 2 && at < 5, "killed after generation " + at);
        assertFalse(Files.exists(cut.resolve("best.json")), "killed before the end");

        Process r = lopper(search("--resume", cut), tmp.resolve("resume.log")).start();
        assertTrue(r.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, r.exitValue(), Files.readString(tmp.resolve("resume.log")));
        assertEquals(best(whole).get("rates"), best(cut).get("rates"));
        assertEquals(best(whole).get("best"), best(cut).get("best"));
        assertEquals(best(whole).get("evaluations"), best(cut).get("evaluations"));
        assertEquals(Files.readString(whole.resolve("best-rates.json")), Files.readString(cut.resolve("best-rates.json")));
        List<String> a = Files.readAllLines(whole.resolve("events.jsonl"));
        List<String> b = new ArrayList<>(Files.readAllLines(cut.resolve("events.jsonl")));
        b.removeIf(l -> l.startsWith("{\"type\":\"resume\""));
        int d = 0;
        while (d < Math.min(a.size(), b.size()) && a.get(d).equals(b.get(d))) d++;
        String where = d + " of " + a.size() + "/" + b.size() + ": " + (d < a.size() ? a.get(d) : "(end)") + "\n vs "
                + (d < b.size() ? b.get(d) : "(end)");
        assertEquals(a.size(), b.size(), where);
        assertEquals(a, b, where);
    }

    private static long eventsAtCheckpoint(Path run) {
        try {
            return new ObjectMapper().readTree(run.resolve("checkpoint.json").toFile()).get("eventsBytes").asLong();
        } catch (IOException | NullPointerException notYet) {
            return Long.MAX_VALUE / 2;
        }
    }

    @Test
    void theApiKeyGoesToTheServerAndNowhereElse() throws Exception {
        String key = "sk-lopper-test-7f3a9c1e5b2d";
        List<String> auth = new ArrayList<>();
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest req) {
                synchronized (auth) {
                    auth.add(req.getHeader("Authorization"));
                }
                // Echoing what it was sent would be the worst case for a leak: the reply is logged.
                String content = "```json\n{\"candidates\": [[0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3]]}\n```";
                try {
                    return new MockResponse().setHeader("Content-Type", "application/json").setBody(
                            new ObjectMapper().writeValueAsString(Map.of("id", "1", "object", "chat.completion",
                                    "created", 1, "model", "m", "choices", List.of(Map.of("index", 0, "finish_reason",
                                            "stop", "message", Map.of("role", "assistant", "content", content))))));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        server.start(java.net.InetAddress.getLoopbackAddress(), 0);
        Path run = tmp.resolve("llm"), log = tmp.resolve("llm.log");
        try {
            List<String> args = search("--out", run);
            args.set(args.indexOf("--generations") + 1, "1");
            args.addAll(List.of("--operator", "llm", "--operator-url", server.url("/v1").toString(), "--verbose",
                    "--json", run.resolveSibling("result.json").toString()));
            ProcessBuilder pb = lopper(args, log);
            pb.environment().put("LOPPER_OPERATOR_API_KEY", key);
            Process p = pb.start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES));
            assertEquals(0, p.exitValue(), Files.readString(log));
        } finally {
            server.shutdown();
        }
        assertFalse(auth.isEmpty());
        for (String a : auth) assertEquals("Bearer " + key, a);
        List<Path> files;
        try (Stream<Path> s = Files.walk(tmp)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.size() >= 8, files.toString());
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(key) || text.contains("7f3a9c1e5b2d"), "the key leaked into " + f);
        }
        assertTrue(Files.readString(run.resolve("events.jsonl")).contains("\"type\":\"prompt\""));
        assertTrue(Files.readString(run.resolve("best.json")).contains("llm.requests"));
    }
}
