package dev.lopper.eval;

import dev.lopper.SharedData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.lopper.data.TaskLocator;
import dev.lopper.data.TaskSource;
import dev.lopper.util.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** All eight staged tasks end to end with --limit, a test tokenizer and a model that prefers short continuations. */
class StagedTasksSmokeTest {
    @TempDir Path dir;

    @Test
    void everyTaskRunsWithLimit() throws IOException {
        List<TaskSource> sources = new TaskLocator(SharedData.evalDir(), Map.of(), Path.of("."))
                .resolveAll(List.of("all"));
        WordTokenizer tokenizer = new WordTokenizer();
        int[] requests = {0};
        LogLikelihoodModel model = (reqs, progress) -> {
            List<LoglikResult> out = new ArrayList<>();
            for (LoglikRequest r : reqs) out.add(new LoglikResult(-r.continuation().length, r.continuation().length == 1));
            requests[0] += reqs.size();
            return out;
        };
        Path log = dir.resolve("samples.jsonl");
        ZeroShotResults results = new ZeroShotEvaluator(model, tokenizer, ProgressListener.NONE)
                .evaluate("smoke", sources, new EvalOptions(5, log));
        assertEquals(8, results.tasks().size());
        results.tasks().forEach(t -> assertEquals(5, t.examples(), t.task()));
        assertNotNull(results.averageOfSeven());
        // 5 examples each: boolq 2, piqa 2, hellaswag 4, winogrande 2, arc 4+4, obqa 4 choices, lambada 1.
        assertEquals(5 * (2 + 2 + 4 + 2 + 4 + 4 + 4 + 1), requests[0]);
        assertEquals(requests[0], Files.readAllLines(log).size());
    }
}
