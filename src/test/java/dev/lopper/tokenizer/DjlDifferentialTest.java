package dev.lopper.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lopper.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lopper's tokenizer.json pipeline against the Rust Hugging Face tokenizers library (DJL):
 * identical ids and identical decoded text on corpus lines, edge cases, random Unicode and
 * random id sequences, for each real tokenizer.json we support.
 */
class DjlDifferentialTest {

    private static final Map<String, TokenizerPipeline> OURS = new HashMap<>();
    private static final Map<String, ReferenceTokenizer> REFERENCE = new HashMap<>();

    private static TokenizerPipeline ours(String file) {
        return OURS.computeIfAbsent(file, f -> TokenizerJson.load(SharedData.require(f)));
    }

    private static ReferenceTokenizer reference(String file) {
        return REFERENCE.computeIfAbsent(file, f -> new ReferenceTokenizer(SharedData.require(f)));
    }

    @AfterAll
    static void close() {
        REFERENCE.values().forEach(ReferenceTokenizer::close);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2/tokenizer.json", "tokenizers/llama3/tokenizer.json",
            "tokenizers/qwen3/tokenizer.json", "models/tiny-llama-gqa-8m/tokenizer.json",
            "models/stories260K-hf/tokenizer.json"})
    void editCasesMatch(String file) {
        assertSame(file, TestTexts.EDGE_CASES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2/tokenizer.json", "tokenizers/llama3/tokenizer.json",
            "tokenizers/qwen3/tokenizer.json", "models/tiny-llama-gqa-8m/tokenizer.json"})
    void corpusLinesMatch(String file) {
        assertSame(file, TestTexts.corpusLines(1000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2/tokenizer.json", "tokenizers/llama3/tokenizer.json",
            "tokenizers/qwen3/tokenizer.json", "models/tiny-llama-gqa-8m/tokenizer.json"})
    void randomUnicodeMatches(String file) {
        assertSame(file, TestTexts.randomUnicode(file.hashCode(), 3000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2/tokenizer.json", "tokenizers/llama3/tokenizer.json",
            "tokenizers/qwen3/tokenizer.json", "models/tiny-llama-gqa-8m/tokenizer.json"})
    void randomIdsDecodeTheSame(String file) {
        assertIdsDecodeTheSame(file, ours(file), reference(file), 3000);
    }

    /** Whole WikiText-2 test set as one text, with Llama 3; prints the time of each implementation. */
    @Test
    void wikitextWholeFileMatchesAndIsFast() throws IOException {
        String file = "tokenizers/llama3/tokenizer.json";
        String text = Files.readString(SharedData.require("eval/wikitext2-hf-joined/wikitext-test.txt"));
        TokenizerPipeline ours = ours(file);
        ReferenceTokenizer reference = reference(file);
        ours.encode(text.substring(0, 20_000)); // warm up the JIT a little, both sides alike
        reference.encode(text.substring(0, 20_000));

        long t0 = System.nanoTime();
        int[] actual = ours.encode(text);
        long t1 = System.nanoTime();
        int[] expected = reference.encode(text);
        long t2 = System.nanoTime();
        System.out.printf("WikiText-2 test (%d chars, %d Llama 3 tokens): Lopper %.2f s, DJL %.2f s%n",
                text.length(), actual.length, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        assertArrayEquals(expected, actual);
        assertTrue((t1 - t0) / 1e9 < 10, "encoding 1.3 MB should take seconds, not more");
    }

    private static void assertSame(String file, List<String> texts) {
        assertSame(file, ours(file), reference(file), texts);
    }

    /** Random id sequences (special, byte and added ids often) decode to the same text, with and without specials. */
    static void assertIdsDecodeTheSame(String label, TokenizerPipeline ours, ReferenceTokenizer reference, int count) {
        int vocab = ours.idBound();
        Random random = new Random(42);
        List<String> failures = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int[] ids = new int[1 + random.nextInt(8)];
            for (int i = 0; i < ids.length; i++) {
                // Low ids are special and byte tokens in SentencePiece vocabularies; the top ones are added tokens.
                int pick = random.nextInt(4);
                ids[i] = pick == 0 ? random.nextInt(300) : pick == 1 ? vocab - 1 - random.nextInt(300) : random.nextInt(vocab);
            }
            for (boolean skip : new boolean[] {true, false}) {
                String expected = reference.decode(ids, skip), actual = ours.decode(ids, skip);
                if (!expected.equals(actual) && failures.size() < 5) {
                    failures.add(java.util.Arrays.toString(ids) + " skip=" + skip + ": expected " + escape(expected)
                            + " got " + escape(actual));
                }
            }
        }
        if (!failures.isEmpty()) fail(label + ":\n" + String.join("\n", failures));
    }

    /** Same ids for every text, and the same decoded text with and without special tokens. */
    static void assertSame(String label, TokenizerPipeline ours, ReferenceTokenizer reference, List<String> texts) {
        List<String> failures = new ArrayList<>();
        int mismatches = 0;
        for (String text : texts) {
            int[] expected = reference.encode(text);
            int[] actual = ours.encode(text);
            String problem = null;
            if (!java.util.Arrays.equals(expected, actual)) {
                problem = "ids: expected " + java.util.Arrays.toString(expected) + " got " + java.util.Arrays.toString(actual);
            } else if (!reference.decode(expected, true).equals(ours.decode(actual, true))) {
                problem = "decoded: expected " + escape(reference.decode(expected, true)) + " got " + escape(ours.decode(actual, true));
            } else if (!reference.decode(expected, false).equals(ours.decode(actual, false))) {
                problem = "decoded with specials: expected " + escape(reference.decode(expected, false))
                        + " got " + escape(ours.decode(actual, false));
            }
            if (problem != null) {
                mismatches++;
                if (failures.size() < 5) failures.add(escape(text) + "\n    " + problem);
            }
        }
        if (mismatches > 0) fail(label + ": " + mismatches + " of " + texts.size() + " texts differ:\n" + String.join("\n", failures));
        assertTrue(texts.size() > 0);
    }

    /** Non-ASCII and control characters as \\u escapes, so a failure message shows what differs. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) out.appendCodePoint(cp);
            else out.append(String.format("\\u{%X}", cp));
        });
        return out.append('"').toString();
    }
}
