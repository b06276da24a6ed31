package dev.lopper.data;

import java.nio.file.Path;
import java.util.List;

/**
 * LAMBADA (OpenAI version) as {"context", "continuation"}: the continuation is the passage's
 * last word. As in lm-eval's lambada_openai the scored text is " " + word, and an example is
 * correct when every one of its tokens is the model's argmax.
 */
public final class LambadaTask implements ZeroShotTask {
    @Override public String name() { return "lambada_openai"; }
    @Override public Path relativeFile() { return Path.of("lambada", "lambada_openai.jsonl"); }
    @Override public ScoringKind kind() { return ScoringKind.GREEDY_CONTINUATION; }
    @Override public Metric tableMetric() { return Metric.ACC; }

    @Override
    public String promptFormat() {
        return "context = context; continuation = \" \" + continuation (the last word); acc = greedy match";
    }

    @Override
    public List<TaskExample> read(Path file) {
        return JsonLines.read(file, (line, index) -> {
            String context = line.text("context");
            String word = line.text("continuation");
            if (word.isEmpty()) throw line.problem("field \"continuation\" is empty");
            return new TaskExample(index, line.line(), List.of(new TextRequest(context, " " + word)), 0);
        });
    }
}
