package dev.lopper.eval;

import dev.lopper.model.Pass;
import dev.lopper.SharedData;
import dev.lopper.data.TaskLocator;
import dev.lopper.data.TaskSource;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.Transformer;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The same model and tasks give the same scores, request by request, on every run. */
class ZeroShotReproducibilityTest {
    @Test
    void twoRunsLogIdenticalSamples(@TempDir Path tmp) throws Exception {
        SharedData.require("eval/arc_easy/arc_easy.jsonl");
        Path model = Path.of("models/tiny-llama-gqa-8m");
        List<TaskSource> tasks = TaskLocator.fromEnvironment(SharedData.dir()).resolveAll(List.of("arc_easy", "winogrande"));
        try (Tokenizer tok = Tokenizers.forModel(model, null)) {
            ZeroShotResults[] results = new ZeroShotResults[2];
            for (int run = 0; run < 2; run++) {
                Transformer t = new Transformer(Checkpoints.load(model));    // a fresh model each time
                results[run] = new ZeroShotEvaluator(new CausalLMScorer(t, Pass.plain()), tok, ProgressListener.NONE)
                        .evaluate("fixture", tasks, new EvalOptions(25, tmp.resolve("run" + run + ".jsonl")));
            }
            assertEquals(results[0], results[1]);
            List<String> a = Files.readAllLines(tmp.resolve("run0.jsonl")), b = Files.readAllLines(tmp.resolve("run1.jsonl"));
            assertEquals(25 * 4 + 25 * 2, a.size(), "one line per scored request");
            assertEquals(a, b, "identical log-likelihoods, request by request");
        }
    }
}
