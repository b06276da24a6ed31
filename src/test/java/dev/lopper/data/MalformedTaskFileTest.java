package dev.lopper.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.BadInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MalformedTaskFileTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String failure(ZeroShotTask task, Path file) {
        return assertThrows(BadInputException.class, () -> task.read(file)).getMessage();
    }

    @Test
    void malformedJsonLineNamesFileAndLine() throws IOException {
        Path f = file("boolq.jsonl", """
                {"query": "q", "choices": ["no", "yes"], "gold": 1}
                {"query": "q", "choices": ["no", "yes"], "gold": 1
                """);
        String message = failure(Tasks.BOOLQ, f);
        assertTrue(message.contains(f.toString()), message);
        assertTrue(message.contains("line 2"), message);
        assertTrue(message.contains("malformed JSON"), message);
    }

    @Test
    void goldOutOfRange() throws IOException {
        Path f = file("arc.jsonl", "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 2}\n");
        String message = failure(Tasks.ARC_EASY, f);
        assertTrue(message.contains("line 1") && message.contains("gold 2 is out of range for 2"), message);
    }

    @Test
    void winograndeGoldOutOfRangeAndMissingField() throws IOException {
        Path bad = file("w.jsonl", "{\"context_options\": [\"a\", \"b\"], \"continuation\": \"c\", \"gold\": -1}\n");
        assertTrue(failure(Tasks.WINOGRANDE, bad).contains("gold -1 is out of range"));
        Path missing = file("w2.jsonl", "{\"context_options\": [\"a\", \"b\"], \"gold\": 0}\n");
        assertTrue(failure(Tasks.WINOGRANDE, missing).contains("\"continuation\" must be a string"));
    }

    @Test
    void wrongTypesAreReported() throws IOException {
        Path f = file("piqa.jsonl", "{\"query\": \"q\", \"choices\": \"ab\", \"gold\": 0}\n");
        assertTrue(failure(Tasks.PIQA, f).contains("\"choices\" must be a non-empty array"));
        Path g = file("piqa2.jsonl", "[1, 2]\n");
        assertTrue(failure(Tasks.PIQA, g).contains("expected a JSON object"));
        Path h = file("piqa3.jsonl", "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": \"0\"}\n");
        assertTrue(failure(Tasks.PIQA, h).contains("\"gold\" must be an integer"));
    }

    @Test
    void emptyFile() throws IOException {
        Path f = file("empty.jsonl", "");
        assertTrue(failure(Tasks.LAMBADA, f).contains("no examples"));
        Path h = file("empty.txt", "");
        assertTrue(failure(Tasks.HELLASWAG, h).contains("no examples"));
    }

    @Test
    void blankLinesAreSkippedButCounted() throws IOException {
        Path f = file("obqa.jsonl", "\n{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 1}\n\n");
        var examples = Tasks.OPENBOOKQA.read(f);
        assertEquals(1, examples.size());
        assertEquals(2, examples.getFirst().line());
    }

    @Test
    void hellaswagPlainAndBz2AndErrors() throws IOException {
        String item = "Label: ctx\n1\na\nb\nc\nd\n";
        assertEquals(2, Tasks.HELLASWAG.read(file("h.txt", item + item)).size());

        Path bz2 = dir.resolve("h.txt.bz2");
        try (OutputStream out = new BZip2CompressorOutputStream(Files.newOutputStream(bz2))) {
            out.write((item + item + item).getBytes(StandardCharsets.UTF_8));
        }
        var examples = Tasks.HELLASWAG.read(bz2);
        assertEquals(3, examples.size());
        assertEquals(" b", examples.get(2).requests().get(1).continuation());
        assertEquals(13, examples.get(2).line());

        String truncated = failure(Tasks.HELLASWAG, file("t.txt", item + "Label: ctx\n1\na\n"));
        assertTrue(truncated.contains("line 9") && truncated.contains("ends inside an item"), truncated);
        String badGold = failure(Tasks.HELLASWAG, file("g.txt", item + "Label: ctx\n4\na\nb\nc\nd\n"));
        assertTrue(badGold.contains("line 8") && badGold.contains("gold 4 is out of range"), badGold);
        String notInt = failure(Tasks.HELLASWAG, file("n.txt", "Label: ctx\nx\na\nb\nc\nd\n"));
        assertTrue(notInt.contains("line 2") && notInt.contains("not an integer"), notInt);
        String notBz2 = failure(Tasks.HELLASWAG, file("plain.txt.bz2", item));
        assertTrue(notBz2.contains("bzip2"), notBz2);
    }
}
