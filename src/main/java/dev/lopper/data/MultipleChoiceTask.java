package dev.lopper.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llm-foundry multiple-choice JSONL ({"query", "choices", "gold"}). The context is the query
 * plus a task-specific suffix chosen so the prompt equals lm-evaluation-harness's; the
 * continuation is " " + choice (the space belongs to the continuation, as in lm-eval).
 */
public final class MultipleChoiceTask implements ZeroShotTask {
    private final String name;
    private final Path relativeFile;
    private final String contextSuffix;
    private final Metric tableMetric;
    private final String promptFormat;

    public MultipleChoiceTask(String name, String relativeFile, String contextSuffix, Metric tableMetric,
                              String promptFormat) {
        this.name = name;
        this.relativeFile = Path.of(relativeFile);
        this.contextSuffix = contextSuffix;
        this.tableMetric = tableMetric;
        this.promptFormat = promptFormat;
    }

    @Override public String name() { return name; }
    @Override public Path relativeFile() { return relativeFile; }
    @Override public ScoringKind kind() { return ScoringKind.MULTIPLE_CHOICE; }
    @Override public Metric tableMetric() { return tableMetric; }
    @Override public String promptFormat() { return promptFormat; }

    @Override
    public List<TaskExample> read(Path file) {
        return JsonLines.read(file, (line, index) -> {
            String context = line.text("query") + contextSuffix;
            List<String> choices = line.texts("choices");
            int gold = line.gold("gold", choices.size());
            List<TextRequest> requests = new ArrayList<>(choices.size());
            for (String choice : choices) requests.add(new TextRequest(context, " " + choice));
            return new TaskExample(index, line.line(), requests, gold);
        });
    }
}
