package dev.lopper.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * WinoGrande in llm-foundry schema JSONL ({"context_options", "continuation", "gold"}), scored
 * the lm-eval "partial" way: each option fills the blank and ends the context; the shared rest
 * of the sentence, " " + continuation, is what gets scored.
 */
public final class WinoGrandeTask implements ZeroShotTask {
    @Override public String name() { return "winogrande"; }
    @Override public Path relativeFile() { return Path.of("winogrande", "winogrande.jsonl"); }
    @Override public ScoringKind kind() { return ScoringKind.MULTIPLE_CHOICE; }
    @Override public Metric tableMetric() { return Metric.ACC; }

    @Override
    public String promptFormat() {
        return "context = context_options[i] (sentence up to and including option i); continuation = \" \" + continuation";
    }

    @Override
    public List<TaskExample> read(Path file) {
        return JsonLines.read(file, (line, index) -> {
            List<String> options = line.texts("context_options");
            String continuation = " " + line.text("continuation");
            int gold = line.gold("gold", options.size());
            List<TextRequest> requests = new ArrayList<>(options.size());
            for (String option : options) requests.add(new TextRequest(option, continuation));
            return new TaskExample(index, line.line(), requests, gold);
        });
    }
}
