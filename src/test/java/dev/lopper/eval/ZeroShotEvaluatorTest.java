package dev.lopper.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.data.TaskSource;
import dev.lopper.data.Tasks;
import dev.lopper.data.ZeroShotTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZeroShotEvaluatorTest {
    @TempDir Path dir;
    private final WordTokenizer tokenizer = new WordTokenizer();
    private final FakeModel model = new FakeModel(tokenizer);

    private TaskSource source(ZeroShotTask task, String jsonl) throws IOException {
        return new TaskSource(task, Files.writeString(dir.resolve(task.name() + ".jsonl"), jsonl));
    }

    private ZeroShotEvaluator evaluator() {
        return new ZeroShotEvaluator(model, tokenizer, dev.lopper.util.ProgressListener.NONE);
    }

    /**
     * Log-likelihoods are ≤ 0, so a longer choice with a higher total always has a higher
     * per-byte score too. acc and acc_norm therefore part ways the other way round: the long
     * choice has the lower total but the higher per-byte score.
     */
    @Test
    void accAndAccNormDisagreeOnLongChoice() throws IOException {
        // " a" (2 bytes) total -2.0 → -1.0/byte; " abcdefghijklmnopqrs" (20 bytes) total -4.0 → -0.2/byte.
        model.answer(" a", -2.0).answer(" abcdefghijklmnopqrs", -4.0);
        TaskSource arc = source(Tasks.ARC_CHALLENGE,
                "{\"query\": \"Question: q\", \"choices\": [\"a\", \"abcdefghijklmnopqrs\"], \"gold\": 1}\n");
        TaskResult r = evaluator().evaluate("fake", List.of(arc), EvalOptions.all()).tasks().getFirst();
        assertEquals(0.0, r.acc());
        assertEquals(1.0, r.accNorm());
        assertEquals("acc_norm", r.tableMetric());
        assertEquals(1.0, r.tableValue());
    }

    @Test
    void accuracyStderrAndLimit() throws IOException {
        model.answer(" yes", -1.0).answer(" no", -2.0);
        String yesIsGold = "{\"query\": \"Passage: p\\nQuestion: q?\", \"choices\": [\"no\", \"yes\"], \"gold\": 1}\n";
        String noIsGold = "{\"query\": \"Passage: p\\nQuestion: q?\", \"choices\": [\"no\", \"yes\"], \"gold\": 0}\n";
        TaskSource boolq = source(Tasks.BOOLQ, yesIsGold + yesIsGold + yesIsGold + noIsGold + noIsGold);

        TaskResult all = evaluator().evaluate("fake", List.of(boolq), EvalOptions.all()).tasks().getFirst();
        assertEquals(5, all.examples());
        assertEquals(0.6, all.acc(), 1e-12);
        // Sample stddev of {1,1,1,0,0} is sqrt(0.3); stderr = sqrt(0.3 / 5).
        assertEquals(Math.sqrt(0.3 / 5), all.accStderr(), 1e-12);
        assertEquals("acc", all.tableMetric());

        ZeroShotResults limited = evaluator().evaluate("fake", List.of(boolq), new EvalOptions(3, null));
        assertEquals(3, limited.tasks().getFirst().examples());
        assertEquals(1.0, limited.tasks().getFirst().acc());
        assertEquals(3, limited.limit());
        assertTrue(model.seen.getFirst().context().length > 1);
    }

    @Test
    void tiesGoToTheFirstChoice() throws IOException {
        model.answer(" x", -1.0).answer(" y", -1.0);
        TaskSource obqa = source(Tasks.OPENBOOKQA, "{\"query\": \"q\", \"choices\": [\"x\", \"y\"], \"gold\": 0}\n");
        assertEquals(1.0, evaluator().evaluate("m", List.of(obqa), EvalOptions.all()).tasks().getFirst().acc());
    }

    @Test
    void winograndeScoresTheSharedContinuation() throws IOException {
        model.answer("Sarah so Sarah", " got easy cases.", -5.0).answer("Sarah so Maria", " got easy cases.", -3.0);
        TaskSource wino = source(Tasks.WINOGRANDE, "{\"context_options\": [\"Sarah so Sarah\", \"Sarah so Maria\"],"
                + " \"continuation\": \"got easy cases.\", \"gold\": 1}\n");
        TaskResult r = evaluator().evaluate("m", List.of(wino), EvalOptions.all()).tasks().getFirst();
        assertEquals(1.0, r.acc());
        assertEquals(2, model.seen.size());
    }

    @Test
    void lambadaUsesTheGreedyFlagAndReportsPerplexity() throws IOException {
        model.answer(" signs", -1.0, true).answer(" cars", -3.0, false);
        TaskSource lambada = source(Tasks.LAMBADA, """
                {"context": "I don't care about", "continuation": "signs"}
                {"context": "hit by", "continuation": "cars"}
                """);
        TaskResult r = evaluator().evaluate("m", List.of(lambada), EvalOptions.all()).tasks().getFirst();
        assertEquals(0.5, r.acc());
        assertNull(r.accNorm());
        assertEquals(Math.exp(2.0), r.perplexity(), 1e-9);
    }

    @Test
    void averageNeedsAllSevenTasks() throws IOException {
        model.answer(" a", -1.0).answer(" b", -2.0);
        String mc = "{\"query\": \"Question: q\\n\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n";
        List<TaskSource> sources = new ArrayList<>();
        for (ZeroShotTask t : List.of(Tasks.BOOLQ, Tasks.PIQA, Tasks.ARC_EASY, Tasks.ARC_CHALLENGE, Tasks.OPENBOOKQA)) {
            sources.add(source(t, mc));
        }
        assertNull(evaluator().evaluate("m", sources, EvalOptions.all()).averageOfSeven());

        sources.add(source(Tasks.WINOGRANDE,
                "{\"context_options\": [\"c1\", \"c2\"], \"continuation\": \"b\", \"gold\": 1}\n"));
        model.answer("c1", " b", -1.0).answer("c2", " b", -2.0); // wrong: option 0 wins
        Path hs = Files.writeString(dir.resolve("h.txt"), "L: ctx\n0\na\nb\nb\nb\n");
        sources.add(new TaskSource(Tasks.HELLASWAG, hs));
        ZeroShotResults results = evaluator().evaluate("m", sources, EvalOptions.all());
        assertEquals(6.0 / 7.0, results.averageOfSeven(), 1e-12);
    }

    @Test
    void logSamplesHaveOneLinePerRequest() throws IOException {
        model.answer(" a", -1.0).answer(" bb", -1.2).answer(" ccc", -9.0); // per byte: -0.5, -0.4, -2.25
        TaskSource arc = source(Tasks.ARC_EASY, """
                {"query": "Question: one", "choices": ["a", "bb", "ccc"], "gold": 1}
                {"query": "Question: two", "choices": ["a", "bb"], "gold": 0}
                """);
        Path log = dir.resolve("out/samples.jsonl");
        evaluator().evaluate("m", List.of(arc), new EvalOptions(0, log));

        List<String> lines = Files.readAllLines(log);
        assertEquals(5, lines.size());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines.get(1));
        for (String field : List.of("task", "doc", "choice", "context", "continuation", "context_tokens",
                "continuation_tokens", "loglik", "greedy", "gold", "pred", "pred_norm", "correct")) {
            assertTrue(first.has(field), field + " missing in " + lines.get(1));
        }
        assertEquals("arc_easy", first.get("task").asText());
        assertEquals(0, first.get("doc").asInt());
        assertEquals(1, first.get("choice").asInt());
        assertEquals("Question: one\nAnswer:", first.get("context").asText());
        assertEquals(" bb", first.get("continuation").asText());
        assertEquals(1, first.get("continuation_tokens").asInt());
        assertEquals(-1.2, first.get("loglik").asDouble());
        assertEquals(1, first.get("gold").asInt());
        assertEquals(0, first.get("pred").asInt());
        assertEquals(1, first.get("pred_norm").asInt());
        assertFalse(first.get("correct").asBoolean());
        assertEquals(1, mapper.readTree(lines.get(4)).get("doc").asInt());
        try (var files = Files.list(log.getParent())) {
            assertEquals(1, files.count(), "no temp files left behind");
        }
    }

    @Test
    void failedRunLeavesNoSampleLog() throws IOException {
        TaskSource arc = source(Tasks.ARC_EASY, "{\"query\": \"Question: q\", \"choices\": [\"zz\"], \"gold\": 0}\n");
        Path log = dir.resolve("logs/samples.jsonl");
        assertThrows(AssertionError.class, () -> evaluator().evaluate("m", List.of(arc), new EvalOptions(0, log)));
        assertFalse(Files.exists(log));
        try (var files = Files.list(log.getParent())) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void badFileSurfacesAsBadInput() throws IOException {
        TaskSource broken = source(Tasks.PIQA, "{not json}\n");
        assertThrows(BadInputException.class, () -> evaluator().evaluate("m", List.of(broken), EvalOptions.all()));
    }

    @Test
    void resultsRoundTripThroughJson() throws IOException {
        model.answer(" a", -1.0).answer(" b", -2.0);
        TaskSource piqa = source(Tasks.PIQA, "{\"query\": \"Question: q\\n\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n");
        ZeroShotResults results = evaluator().evaluate("m", List.of(piqa), EvalOptions.all());
        Path json = dir.resolve("results.json");
        ResultsJson.write(json, results);
        ZeroShotResults back = ResultsJson.read(json, ZeroShotResults.class);
        assertEquals("m", back.model());
        assertEquals(1.0, back.find("piqa").orElseThrow().acc());
        assertNotNull(back.find("piqa").orElseThrow().promptFormat());
    }
}
