package dev.lopper.data;

import dev.lopper.SharedData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The readers on the real staged files: counts must equal SOURCES.md §2.2. */
class StagedTaskFilesTest {
    private static final Map<String, Integer> EXPECTED = Map.of(
            "boolq", 3270, "piqa", 1838, "winogrande", 1267, "arc_easy", 2376,
            "arc_challenge", 1172, "openbookqa", 500, "hellaswag", 10042, "lambada_openai", 5153);

    /** Each file is read once per run: HellaSwag's bz2 alone takes seconds. */
    private static final Map<String, List<TaskExample>> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private static List<TaskExample> read(ZeroShotTask task) {
        TaskLocator locator = new TaskLocator(SharedData.evalDir(), Map.of(), java.nio.file.Path.of("."));
        return CACHE.computeIfAbsent(task.name(), name -> locator.resolve(name).read());
    }

    @Test
    void countsMatchSources() {
        for (ZeroShotTask task : Tasks.ALL) {
            assertEquals(EXPECTED.get(task.name()), read(task).size(), task.name());
        }
    }

    @Test
    void boolqPromptMatchesLmEval() {
        TaskExample first = read(Tasks.BOOLQ).getFirst();
        assertEquals(0, first.gold());
        TextRequest no = first.requests().get(0);
        assertTrue(no.context().startsWith("Passage: All biomass goes through"));
        assertTrue(no.context().endsWith("does ethanol take more energy make that produces?\nAnswer:"));
        assertEquals(" no", no.continuation());
        assertEquals(" yes", first.requests().get(1).continuation());
    }

    @Test
    void piqaAndArcAndObqaPrompts() {
        TextRequest piqa = read(Tasks.PIQA).getFirst().requests().getFirst();
        assertEquals("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:", piqa.context());
        assertTrue(piqa.continuation().startsWith(" Provide the guinea pig"));

        TaskExample arc = read(Tasks.ARC_CHALLENGE).getFirst();
        assertEquals(2, arc.gold());
        assertTrue(arc.requests().getFirst().context().endsWith("increase in rotation?\nAnswer:"));
        assertEquals(" Planetary days will become shorter.", arc.requests().get(2).continuation());

        TaskExample obqa = read(Tasks.OPENBOOKQA).getFirst();
        assertEquals(1, obqa.gold());
        assertTrue(obqa.requests().getFirst().context().endsWith("the best way to save money is to"));
        assertEquals(" quit eating lunch out", obqa.requests().get(1).continuation());
    }

    @Test
    void winograndeIsPartialScoring() {
        TaskExample first = read(Tasks.WINOGRANDE).getFirst();
        assertEquals(1, first.gold());
        assertEquals("Sarah was a much better surgeon than Maria so Maria", first.requests().get(1).context());
        assertEquals(" always got the easier cases.", first.requests().get(0).continuation());
        assertEquals(first.requests().get(0).continuation(), first.requests().get(1).continuation());
    }

    @Test
    void hellaswagSixLinesPerItem() {
        List<TaskExample> all = read(Tasks.HELLASWAG);
        TaskExample first = all.getFirst();
        assertEquals(3, first.gold());
        assertEquals(1, first.line());
        assertEquals("Roof shingle removal: A man is sitting on a roof. he", first.requests().getFirst().context());
        assertEquals(" starts pulling up roofing on a roof.", first.requests().get(3).continuation());
        int[] golds = new int[4];
        for (TaskExample e : all) golds[e.gold()]++;
        assertEquals(List.of(2515, 2485, 2584, 2458), List.of(golds[0], golds[1], golds[2], golds[3]));
    }

    @Test
    void lambadaScoresTheLastWordWithItsSpace() {
        TaskExample first = read(Tasks.LAMBADA).getFirst();
        assertEquals(1, first.requests().size());
        assertTrue(first.requests().getFirst().context().endsWith("I don't care about"));
        assertEquals(" signs", first.requests().getFirst().continuation());
    }
}
