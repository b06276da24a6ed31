package dev.lopper.cli;

import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 18 defect 6: an llm operator whose endpoint never answers usefully (HTTP 500, malformed
 * JSON, an HTML page) no longer ends as a silent ga search with exit 0: the search stops with
 * exit 2 and one line saying how many steps got nothing and why, and events.jsonl holds each
 * step's reason. A working endpoint still ends with exit 0 and a summary line.
 */
class LlmFallbackCliTest {
    @TempDir
    Path tmp;

    private BadInputCliTest.Outcome search(MockWebServer server, Path run, String... more) {
        List<String> a = new ArrayList<>(List.of("search", "--model", PruneCliTest.MODEL.toString(), "--target", "0.3",
                "--out", run.toString(), "--calib", "README.md", "--calib-windows", "4", "--calib-len", "32",
                "--fitness-windows", "2", "--fitness-len", "32", "--population", "4", "--crossovers", "2",
                "--mutations", "2", "--generations", "2", "--criterion", "l2", "--quiet", "--operator", "llm",
                "--operator-url", server.url("/v1").toString(), "--retries", "0", "--timeout", "5"));
        a.addAll(List.of(more));
        return SearchCliTest.lopper(a);
    }

    @Test
    void anEndpointThatNeverAnswersUsefullyStopsTheSearch() throws Exception {
        List<Supplier<MockResponse>> bad = List.of(
                () -> new MockResponse().setResponseCode(500).setBody("oops"),
                () -> new MockResponse().setHeader("Content-Type", "application/json").setBody("{\"choices\": [ {"),
                () -> new MockResponse().setHeader("Content-Type", "text/html").setBody("<html><body>Bad gateway</body></html>"));
        int k = 0;
        for (Supplier<MockResponse> response : bad) {
            try (MockWebServer server = new MockWebServer()) {
                server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
                    @Override
                    public MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest r) {
                        return response.get();
                    }
                });
                server.start();
                Path run = tmp.resolve("run" + k++);
                BadInputCliTest.Outcome o = search(server, run);
                PruneCliTest.assertBadInput(o, "llm operator got nothing usable", "of 4 steps", "--max-fallback-share");
                Path events = run.resolve("events.jsonl");
                assertTrue(Files.exists(events), "the run so far (a checkpointed generation 0) is kept with its log");
                {
                    List<String> fell = Files.readAllLines(events).stream()
                            .filter(l -> l.startsWith("{\"type\":\"step-fell-back\"")).toList();
                    assertEquals(4, fell.size(), String.join("\n", fell));
                    assertTrue(fell.stream().allMatch(l -> l.contains("\"why\":\"")), fell.toString());
                }
                // Allowing every step to fall back runs the search to its end (exit 0) and says how many did.
                if (k == 1) {
                    BadInputCliTest.Outcome all = search(server, tmp.resolve("allowed"), "--max-fallback-share", "1");
                    assertEquals(0, all.code(), all.err());
                }
            }
        }
    }
}
