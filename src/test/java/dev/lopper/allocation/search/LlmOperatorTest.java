package dev.lopper.allocation.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.util.ProgressListener;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The llm operator against a real HTTP server on loopback (okhttp's MockWebServer) that answers
 * well, badly, slowly, with 429/500, and finally not at all: the search completes and the
 * counters say what happened.
 */
class LlmOperatorTest {
    @TempDir
    Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    static MockResponse reply(String content) {
        try {
            String body = JSON.writeValueAsString(Map.of("id", "c1", "object", "chat.completion", "created", 1,
                    "model", "test", "choices", List.of(Map.of("index", 0, "finish_reason", "stop",
                            "message", Map.of("role", "assistant", "content", content)))));
            return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String genomes(String key, int n, double rate) {
        StringBuilder b = new StringBuilder("{\"" + key + "\": [");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "[" : ", [");
            for (int l = 0; l < 8; l++) b.append(l == 0 ? "" : ", ").append(rate + 0.01 * ((i + l) % 5));
            b.append(']');
        }
        return b.append("]}").toString();
    }

    /** A scripted server: the i-th request gets script(i); request times are kept. */
    static final class Script extends Dispatcher {
        final Function<Integer, MockResponse> script;
        final List<Long> times = Collections.synchronizedList(new ArrayList<>());
        final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

        Script(Function<Integer, MockResponse> script) {
            this.script = script;
        }

        @Override
        public MockResponse dispatch(RecordedRequest r) {
            times.add(System.nanoTime());
            bodies.add(r.getBody().readUtf8());
            return script.apply(times.size() - 1);
        }
    }

    @Test
    void searchCompletesWhateverTheServerDoesAndCountsIt() throws Exception {
        MaskedFitnessTest.load0();
        SearchSpace space = MaskedFitnessTest.space;
        MockWebServer server = new MockWebServer();
        // Population 5 (the uniform seed + 4 asked for), 2 crossovers, 2 mutations, 3 generations: requests init, then per generation
        // selection, crossover, mutation (plus retries).
        Script script = new Script(i -> switch (i) {
            // init: fenced JSON; of 4 genomes one is out of bounds, one has NaN, one has the wrong length
            case 0 -> reply("Here you go:\n```json\n{\"candidates\": [[0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3], "
                    + "[0.95,0.3,0.3,0.3,0.3,0.3,0.3,0.1], [NaN,0.3,0.3,0.3,0.3,0.3,0.3,0.3], [0.3,0.3]]}\n```\nGood luck!");
            case 1 -> reply("Sure! {crossover: (0 1), (2 3)");                        // gen 1 selection: malformed
            case 2 -> new MockResponse().setResponseCode(429).setHeader("Retry-After", "1"); // gen 1 crossover
            case 3 -> reply(genomes("children", 2, 0.35));
            case 4 -> new MockResponse().setResponseCode(500);                     // gen 1 mutation
            case 5 -> reply(genomes("mutants", 2, 0.32));
            case 6 -> reply("{\"crossover\": [[0, 1], [2, 9]], \"mutation\": [1, 3]}"); // gen 2 selection, one bad pair
            case 7 -> reply(genomes("children", 2, 0.4)).setHeadersDelay(3, TimeUnit.SECONDS); // slower than the timeout
            case 8 -> reply(genomes("children", 2, 0.4));
            case 9 -> reply("{\"mutants\": [[0.1, 0.2, 0.3], [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]]}"); // wrong lengths
            default -> {   // from generation 3 on the server goes away: connections are refused
                new Thread(() -> {
                    try {
                        server.shutdown();
                    } catch (IOException ignored) {
                        // already down
                    }
                }).start();
                yield new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START);
            }
        });
        server.setDispatcher(script);
        server.start(java.net.InetAddress.getLoopbackAddress(), 0);
        String url = server.url("/v1/").toString();
        Counters counters = new Counters();
        Evolution.Settings settings = new Evolution.Settings(5, 2, 2, 3, 5, new int[]{2}, 1);
        Evolution.Result r;
        try (RunFolder folder = RunFolder.create(tmp.resolve("run"), Map.of("operator", "llm"), Map.of(), false);
             MaskedFitness f = new MaskedFitness(MaskedFitnessTest.dense, MaskedFitnessTest.scores,
                     MaskedFitnessTest.data, MaskedFitness.Kind.PPL, 1, 2, 1);
             Operator op = new PromptedOperator("llm", new OpenAiChat(url, "sk-test-not-a-real-key", "test-model", 0.5,
                     Duration.ofSeconds(1), 1, 100, counters), new PromptTemplates(null), counters, folder, "perplexity",
                     space)) {
            r = new Evolution(space, f, op, settings, folder,
                    List.of(new Evolution.Seed("uniform", space.uniform().rates())), counters, ProgressListener.NONE).run();
        } finally {
            server.shutdown();
        }
        Map<String, Long> c = new java.util.TreeMap<>(r.counters()) {
            @Override
            public Long get(Object k) {
                Long v = super.get(k);
                return v == null ? 0L : v;
            }
        };
        assertEquals(3, r.generations());
        assertNotNull(r.best());
        assertEquals(1, c.get("llm.http429"), c.toString());
        assertEquals(1, c.get("llm.http5xx"), c.toString());
        assertTrue(c.get("llm.timeouts") >= 1, c.toString());
        // The dropped connection reads to the SDK as an unreadable response; then connections are refused.
        assertTrue(c.get("llm.badResponses") + c.get("llm.ioErrors") >= 1, c.toString());
        assertTrue(c.get("llm.connectionErrors") >= 2, c.toString());
        assertEquals(1, c.get("llm.unparseableReplies"), c.toString());
        assertEquals(1 + 2, c.get("llm.wrongLength"), c.toString());
        assertEquals(1, c.get("llm.nonFinite"), c.toString());
        assertEquals(1, c.get("llm.outOfBounds"), c.toString());
        assertEquals(2, c.get("fallbacks.init"), c.toString());                // the NaN and the short genome
        assertEquals(4 + 1 + 4, c.get("fallbacks.selection"), c.toString());  // malformed reply, the bad pair, gen 3 (server gone)
        assertEquals(2 + 2, c.get("fallbacks.mutation"), c.toString());      // wrong lengths, then gen 3's two
        assertEquals(2, c.get("fallbacks.crossover"), c.toString());          // gen 3 (server gone)
        assertTrue(c.get("llm.failedRequests") >= 3, c.toString());
        // Retry-After: 1 was honoured.
        long waited = script.times.get(3) - script.times.get(2);
        assertTrue(waited >= 900_000_000L, "waited " + waited / 1e6 + " ms after the 429");
        // Fenced JSON was read: the good init genome and the clipped one are in the log as llm proposals.
        List<String> events = Files.readAllLines(tmp.resolve("run").resolve(RunFolder.EVENTS));
        assertEquals(2, events.stream().filter(l -> l.contains("\"origin\":\"llm:init\"")).count());
        assertTrue(events.stream().anyMatch(l -> l.contains("\"origin\":\"llm:crossover")));
        assertTrue(events.stream().anyMatch(l -> l.startsWith("{\"type\":\"prompt\"")));
        assertTrue(events.stream().noneMatch(l -> l.contains("sk-test-not-a-real-key")), "the key is never logged");
        assertTrue(script.bodies.getFirst().contains("\"model\":\"test-model\""));
    }

    @Test
    void repliesAreReadFromFencesAndBareJsonAndRefusedWhenBroken() {
        assertEquals(2, ReplyParser.vectors(ReplyParser.json("```json\n{\"children\": [[1,2],[3,4]]}\n```"), "children").size());
        assertEquals(1, ReplyParser.vectors(ReplyParser.json("The answer is [0.1, 0.2] I think"), "x").size());
        assertArrayEquals(new double[]{0.5, 0.25},
                ReplyParser.vectors(ReplyParser.json("```\n{\"mutants\": [[0.5, 0.25]]}\n```"), "mutants").getFirst());
        assertNull(ReplyParser.json("no json here"));
        assertNull(ReplyParser.json("{\"a\": [1, 2"));
        assertTrue(Double.isNaN(ReplyParser.vectors(ReplyParser.json("[[NaN, 1]]"), "k").getFirst()[0]));
        assertNull(ReplyParser.vectors(ReplyParser.json("[[\"a\", 1]]"), "k").getFirst());
    }

    @Test
    void refusedConnectionsAreRetriedCountedAndReported() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Counters counters = new Counters();
        try (OpenAiChat chat = new OpenAiChat("http://127.0.0.1:" + port + "/v1", null, "m", 0, Duration.ofSeconds(2),
                2, 100, counters)) {
            ChatBackend.ChatException e = assertThrows(ChatBackend.ChatException.class, () -> chat.complete("s", "u"));
            assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
        }
        assertEquals(3, counters.get("llm.requests"));
        assertEquals(3, counters.get("llm.connectionErrors"));
        // The request budget stops retries.
        Counters few = new Counters();
        try (OpenAiChat chat = new OpenAiChat("http://127.0.0.1:" + port + "/v1", null, "m", 0, Duration.ofSeconds(2),
                5, 2, few)) {
            assertThrows(ChatBackend.ChatException.class, () -> chat.complete("s", "u"));
            assertThrows(ChatBackend.ChatException.class, () -> chat.complete("s", "u"));
        }
        assertEquals(2, few.get("llm.requests"));
        assertEquals(2, few.get("llm.budgetExhausted"));
    }

    /**
     * Issue 18 defect 7: a server that closes every connection after its response (HTTP/1.0 style,
     * with or without "Connection: close"): every request succeeds at the first attempt, and the
     * requests counted against --max-requests are the ones the server received.
     */
    @Test
    void serversThatCloseConnectionsAnswerEveryRequestOnce() throws Exception {
        for (boolean header : new boolean[]{false, true}) {
            try (MockWebServer server = new MockWebServer()) {
                server.setDispatcher(new Script(i -> {
                    MockResponse r = reply("{\"ok\": " + i + "}").setSocketPolicy(SocketPolicy.DISCONNECT_AT_END);
                    return header ? r.setHeader("Connection", "close") : r;
                }));
                server.start();
                Counters counters = new Counters();
                try (OpenAiChat chat = new OpenAiChat(server.url("/v1").toString(), null, "m", 0, Duration.ofSeconds(5),
                        3, 6, counters)) {
                    for (int k = 0; k < 6; k++) assertEquals("{\"ok\": " + k + "}", chat.complete("s", "u"), "request " + k);
                }
                assertEquals(6, server.getRequestCount(), "Connection: close " + header);
                assertEquals(6, counters.get("llm.requests"), "counted = received (Connection: close " + header + ")");
                assertEquals(0, counters.get("llm.retries"), "no failed attempt (Connection: close " + header + ")");
            }
        }
    }
}
