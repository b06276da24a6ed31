package dev.lopper.recovery.lora;

import dev.lopper.BadInputException;
import dev.lopper.SharedData;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The three text formats with stories260K's tokenizer: what is tokenized and which tokens are targets. */
class TrainingTextTest {
    @TempDir
    Path tmp;

    static Tokenizer tokenizer() {
        return Tokenizers.forModel(SharedData.require("models/stories260K-hf"), null);
    }

    @Test
    void alpacaMasksThePromptUnderResponseAndNotUnderAll() throws IOException {
        Path f = tmp.resolve("a.json");
        Files.writeString(f, "[{\"instruction\": \"Tell a story.\", \"input\": \"\", \"output\": \"The cat sat.\"},"
                + "{\"instruction\": \"Name it.\", \"input\": \"A dog\", \"output\": \"Max.\"},"
                + "{\"instruction\": \"\", \"input\": \"\", \"output\": \"skipped\"}]");
        try (Tokenizer tok = tokenizer()) {
            TrainingText r = TrainingText.load(f.toString(), null, DataFormat.ALPACA, LossOn.RESPONSE, tok);
            assertEquals(2, r.examples());
            int[] p1 = tok.encode(TrainingText.ALPACA_NO_INPUT.formatted("Tell a story."), true);
            int[] full1 = tok.encode(TrainingText.ALPACA_NO_INPUT.formatted("Tell a story.") + "The cat sat.", true);
            assertArrayEquals(full1, Arrays.copyOf(r.tokens(), full1.length), "example 1 first, as the template renders it");
            assertEquals(tok.eosId(), r.tokens()[full1.length], "EOS after each example");
            int prompt = 0;
            while (prompt < p1.length && p1[prompt] == full1[prompt]) prompt++;
            assertTrue(prompt > 10, "the prompt is most of example 1");
            for (int i = 0; i < full1.length + 1; i++) assertEquals(i < prompt ? 0f : 1f, r.targetWeights()[i], "token " + i);
            int[] full2 = tok.encode(TrainingText.ALPACA_WITH_INPUT.formatted("Name it.", "A dog") + "Max.", true);
            assertEquals(full1.length + 1 + full2.length + 1, r.tokens().length);
            assertFalse(r.allWeighted());

            TrainingText all = TrainingText.load(f.toString(), null, DataFormat.ALPACA, LossOn.ALL, tok);
            assertTrue(all.allWeighted());
            assertArrayEquals(r.tokens(), all.tokens());
        }
    }

    @Test
    void jsonlAndPlainText() throws IOException {
        Path j = tmp.resolve("t.jsonl"), t = tmp.resolve("t.txt");
        Files.writeString(j, "{\"text\": \"Once upon a time.\"}\n{\"text\": \"The end.\"}\n");
        Files.writeString(t, "Once upon a time.\n\nThe end.");
        try (Tokenizer tok = tokenizer()) {
            TrainingText a = TrainingText.load(j.toString(), null, DataFormat.JSONL, LossOn.RESPONSE, tok);
            TrainingText b = TrainingText.load(t.toString(), null, DataFormat.TEXT, LossOn.RESPONSE, tok);
            assertArrayEquals(b.tokens(), a.tokens(), "JSONL texts joined with a blank line = the plain file");
            assertTrue(a.allWeighted());
            assertEquals(a.tokens().length / 4, a.windowStarts(4).length);
            BadInputException e = assertThrows(BadInputException.class, () -> a.windowStarts(a.tokens().length + 1));
            assertTrue(e.getMessage().contains("no usable text"), e.getMessage());
        }
    }

    @Test
    void formatFromTheName() {
        assertEquals(DataFormat.JSONL, DataFormat.detect("x/y.jsonl"));
        assertEquals(DataFormat.ALPACA, DataFormat.detect("alpaca_data_cleaned.json"));
        assertEquals(DataFormat.TEXT, DataFormat.detect("calib.txt"));
        assertEquals(DataFormat.TEXT, DataFormat.detect("tinystories"));
    }
}
