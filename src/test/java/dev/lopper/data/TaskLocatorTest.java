package dev.lopper.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskLocatorTest {
    @TempDir Path dir;

    @Test
    void dataDirPrecedence() {
        Path work = dir.resolve("work");
        assertEquals(Path.of("/opt"), TaskLocator.chooseDataDir(Path.of("/opt"), Map.of("LOPPER_DATA", "/env"), work));
        assertEquals(Path.of("/env"), TaskLocator.chooseDataDir(null, Map.of("LOPPER_DATA", "/env"), work));
        assertEquals(dir.resolve("shared/data/eval"), TaskLocator.chooseDataDir(null, Map.of(), work));
    }

    @Test
    void namesAliasesPathsAndErrors() throws IOException {
        Path boolq = dir.resolve("boolq/boolq.jsonl");
        Files.createDirectories(boolq.getParent());
        Files.writeString(boolq, "{\"query\": \"q\", \"choices\": [\"no\", \"yes\"], \"gold\": 1}\n");
        TaskLocator locator = new TaskLocator(dir, Map.of(), dir);

        assertEquals(boolq, locator.resolve("boolq").file());
        assertSame(Tasks.BOOLQ, locator.resolve("BoolQ").task());
        assertEquals(1, locator.resolve(boolq.toString()).read().size());

        Path other = Files.writeString(dir.resolve("mine.jsonl"), "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 0}\n");
        TaskSource explicit = locator.resolve("obqa=" + other);
        assertSame(Tasks.OPENBOOKQA, explicit.task());
        assertEquals(other, explicit.file());

        assertEquals(List.of(Tasks.BOOLQ, Tasks.OPENBOOKQA), locator.resolveAll(List.of("boolq", "obqa=" + other))
                .stream().map(TaskSource::task).toList());
        assertTrue(assertThrows(BadInputException.class, () -> locator.resolveAll(List.of("standard")))
                .getMessage().contains("piqa"));

        assertTrue(assertThrows(BadInputException.class, () -> locator.resolve(other.toString()))
                .getMessage().contains("name=path"));
        assertTrue(assertThrows(BadInputException.class, () -> locator.resolve("piqa"))
                .getMessage().contains("not found"));
        assertTrue(assertThrows(BadInputException.class, () -> locator.resolve("nosuchtask"))
                .getMessage().contains("neither a known task nor a file"));
    }
}
