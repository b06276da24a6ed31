package dev.lopper.io;

import dev.lopper.SharedData;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Whole-corpus token counts of the tiny-llama fixtures' tokenizer, golden from
 * models/FIXTURES.md (whole text as one string, BOS prepended, HF fast-tokenizer semantics,
 * literal {@code <unk>} in PTB as special id 0).
 */
class FixtureTokenCountTokenizerTest {

    private static HfTokenizer tokenizer;

    /** Loaded once, on first use, so that each test reports its own skip when data is absent. */
    private static HfTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = HfTokenizer.load(SharedData.require("models/tiny-llama-gqa-8m/tokenizer.json"));
        }
        return tokenizer;
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) tokenizer.close();
    }

    @Test
    void wikitext2TestHasGoldenCount() throws IOException {
        String text = Files.readString(SharedData.require("eval/wikitext2-hf-joined/wikitext-test.txt"));
        int[] ids = tokenizer().encode(text, true);
        assertEquals(384_916, ids.length);
        assertEquals(1, ids[0]);
    }

    @Test
    void ptbTestHasGoldenCount() throws IOException {
        // LLM-Pruner's ptb: the dataset's sentences (lines, stripped) joined with blank lines.
        List<String> lines = Files.readAllLines(SharedData.require("eval/ptb/ptb.test.txt"));
        String text = String.join("\n\n", lines.stream().map(String::strip).toList());
        int[] ids = tokenizer().encode(text, true);
        assertEquals(127_923, ids.length);
        long unk = java.util.Arrays.stream(ids).filter(id -> id == 0).count();
        long literal = text.split("<unk>", -1).length - 1;
        assertEquals(literal, unk, "every literal <unk> becomes the special id 0");
    }

    @Test
    void tinyStoriesValHasGoldenCount() throws IOException {
        Path file = SharedData.require("eval/tinystories/tinystories_val.txt");
        assertEquals(218_412, tokenizer().encode(Files.readString(file), true).length);
    }
}
