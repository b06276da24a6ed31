package dev.lopper.data;

import dev.lopper.BadInputException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The known zero-shot tasks. Prompts follow lm-evaluation-harness (v0.4 task yamls) as far as
 * the staged llm-foundry files allow; each task's {@link ZeroShotTask#promptFormat()} says how.
 */
public final class Tasks {
    public static final MultipleChoiceTask BOOLQ = new MultipleChoiceTask("boolq", "boolq/boolq.jsonl",
            "\nAnswer:", Metric.ACC,
            "context = query (\"Passage: …\\nQuestion: …?\") + \"\\nAnswer:\"; continuation = \" no\" / \" yes\"");
    public static final MultipleChoiceTask PIQA = new MultipleChoiceTask("piqa", "piqa/piqa.jsonl",
            "Answer:", Metric.ACC,
            "context = query (\"Question: goal\\n\") + \"Answer:\"; continuation = \" \" + solution");
    public static final MultipleChoiceTask ARC_EASY = new MultipleChoiceTask("arc_easy",
            "arc_easy/arc_easy.jsonl", "\nAnswer:", Metric.ACC,
            "context = query (\"Question: …\") + \"\\nAnswer:\"; continuation = \" \" + choice");
    public static final MultipleChoiceTask ARC_CHALLENGE = new MultipleChoiceTask("arc_challenge",
            "arc_challenge/arc_challenge.jsonl", "\nAnswer:", Metric.ACC_NORM,
            "context = query (\"Question: …\") + \"\\nAnswer:\"; continuation = \" \" + choice");
    public static final MultipleChoiceTask OPENBOOKQA = new MultipleChoiceTask("openbookqa",
            "openbookqa/openbook_qa.jsonl", "", Metric.ACC_NORM,
            "context = query (question stem); continuation = \" \" + choice");
    public static final HellaSwagTask HELLASWAG = new HellaSwagTask();
    public static final WinoGrandeTask WINOGRANDE = new WinoGrandeTask();
    public static final LambadaTask LAMBADA = new LambadaTask();

    /** The seven tasks of the LLM-Pruner/FLAP table, in the usual column order. */
    public static final List<ZeroShotTask> STANDARD_SEVEN = List.of(
            BOOLQ, PIQA, HELLASWAG, WINOGRANDE, ARC_EASY, ARC_CHALLENGE, OPENBOOKQA);

    public static final List<ZeroShotTask> ALL = List.of(
            BOOLQ, PIQA, HELLASWAG, WINOGRANDE, ARC_EASY, ARC_CHALLENGE, OPENBOOKQA, LAMBADA);

    private Tasks() {}

    public static Optional<ZeroShotTask> find(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        String alias = switch (key) {
            case "arc_e", "arc-e", "arce" -> "arc_easy";
            case "arc_c", "arc-c", "arcc" -> "arc_challenge";
            case "obqa" -> "openbookqa";
            case "lambada" -> "lambada_openai";
            default -> key;
        };
        return ALL.stream().filter(t -> t.name().equals(alias)).findFirst();
    }

    public static ZeroShotTask byName(String name) {
        return find(name).orElseThrow(() -> new BadInputException("unknown task \"" + name + "\"; known: "
                + String.join(", ", ALL.stream().map(ZeroShotTask::name).toList())));
    }

    public static boolean isStandardSeven(ZeroShotTask task) {
        return STANDARD_SEVEN.stream().anyMatch(t -> t.name().equals(task.name()));
    }
}
