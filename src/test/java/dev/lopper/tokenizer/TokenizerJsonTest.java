package dev.lopper.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small hand-made tokenizer.json files whose ids can be worked out by hand, and bad files. */
class TokenizerJsonTest {

    /** Vocabulary a=0 b=1 c=2 ab=3 bc=4 abc=5 <X>=6; merges "b c" (rank 0) before "a b" (rank 1). */
    private static final String TOY = """
            {"added_tokens": [%s],
             "normalizer": null, "pre_tokenizer": %s, "decoder": null,
             "model": {"type": "BPE", "vocab": {"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5,"<X>":6},
                       "merges": ["b c", "a b", "a bc"]}}
            """;

    private static TokenizerPipeline toy(Path dir, String added, String preTokenizer) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, TOY.formatted(added, preTokenizer));
        return TokenizerJson.load(file);
    }

    @Test
    void lowestRankMergesFirst(@TempDir Path dir) throws IOException {
        TokenizerPipeline t = toy(dir, "", "null");
        // "abc": b+c (rank 0) first, then a+bc (rank 2); a+b (rank 1) never gets its turn.
        assertArrayEquals(new int[] {5}, t.encode("abc"));
        // "abab": a+b at 0 and at 2 have the same rank; both merge.
        assertArrayEquals(new int[] {3, 3}, t.encode("abab"));
        // Unknown "x" (no unk token, no byte fallback) is dropped, as in HF.
        assertArrayEquals(new int[] {0, 2}, t.encode("axc"));
        assertEquals("ab c", t.decode(new int[] {3, 2}, true), "no decoder: tokens joined by spaces");
    }

    @Test
    void addedTokensStripAndSingleWord(@TempDir Path dir) throws IOException {
        String added = """
                {"id":6,"content":"<X>","single_word":false,"lstrip":true,"rstrip":true,"normalized":false,"special":true}
                """;
        TokenizerPipeline t = toy(dir, added, "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"Removed\",\"invert\":false}");
        // lstrip and rstrip swallow the spaces around <X>.
        assertArrayEquals(new int[] {3, 6, 2}, t.encode("ab  <X>  c"));
        assertEquals("ab c", t.decode(new int[] {3, 6, 2}, true), "special <X> skipped");
        assertEquals("ab <X> c", t.decode(new int[] {3, 6, 2}, false));

        String singleWord = added.replace("\"single_word\":false", "\"single_word\":true").replace("true,\"rstrip\":true", "false,\"rstrip\":false");
        TokenizerPipeline w = toy(dir, singleWord, "null");
        // Inside a word <X> is not a token; its characters are unknown and dropped (no unk token),
        // which leaves a and b side by side, so they merge.
        assertArrayEquals(new int[] {3}, w.encode("a<X>b"));
        assertArrayEquals(new int[] {0, 6, 1}, w.encode("a <X> b"), "between spaces it is a word of its own");
    }

    @Test
    void addedTokenIdsAreHfsNotTheWrittenOnes(@TempDir Path dir) throws IOException {
        String added = """
                {"id":6,"content":"<X>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
                {"id":20,"content":"<Y>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
                {"id":3,"content":"bc","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":false},
                {"id":9,"content":"<Z>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":false}
                """;
        TokenizerPipeline t = toy(dir, added, "null");
        // <Y> is new: the first id after the 7 vocabulary entries; "bc" keeps its vocabulary id; <Z> follows <Y>.
        assertArrayEquals(new int[] {6, 7, 4, 8}, t.encode("<X><Y>bc<Z>"));
        assertEquals("<Y> <Z>", t.decode(new int[] {7, 20, 8, 9}, false), "the written ids 20 and 9 mean nothing");
    }

    @Test
    void splitBehaviours() {
        Piece text = new Piece("a-b--c", true);
        java.util.List<int[]> dashes = TextPattern.literal("-").matches(text.text());
        assertEquals(java.util.List.of("a", "b", "c"), split(SplitBehavior.REMOVED, text, dashes));
        assertEquals(java.util.List.of("a", "-", "b", "-", "-", "c"), split(SplitBehavior.ISOLATED, text, dashes));
        assertEquals(java.util.List.of("a-", "b-", "-", "c"), split(SplitBehavior.MERGED_WITH_PREVIOUS, text, dashes));
        assertEquals(java.util.List.of("a", "-b", "-", "-c"), split(SplitBehavior.MERGED_WITH_NEXT, text, dashes));
        assertEquals(java.util.List.of("a", "-", "b", "--", "c"), split(SplitBehavior.CONTIGUOUS, text, dashes));
    }

    private static java.util.List<String> split(SplitBehavior behavior, Piece piece, java.util.List<int[]> matches) {
        java.util.List<Piece> out = new java.util.ArrayList<>();
        behavior.apply(piece, matches, false, out);
        return out.stream().map(Piece::text).toList();
    }

    @Test
    void lossyUtf8GivesOneReplacementPerMaximalSubpart() {
        // E2 82 is a truncated 3-byte sequence (one U+FFFD); C0 is never valid; F0 9F 98 80 is 😀.
        byte[] bytes = {'a', (byte) 0xE2, (byte) 0x82, 'b', (byte) 0xC0, (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80};
        assertEquals("a\uFFFDb\uFFFD😀", Utf8.lossy(bytes, bytes.length));
        assertEquals(null, Utf8.strict(bytes, bytes.length));
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertEquals("€", Utf8.strict(euro, euro.length));
        // ED A0 80 would be a surrogate: ED allows only 80..9F next, so three replacements.
        byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
        assertEquals("\uFFFD\uFFFD\uFFFD", Utf8.lossy(surrogate, 3));
    }

    @Test
    void badFilesAreRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        assertRefused(dir, "not json at all", "not a valid tokenizer.json");
        assertRefused(dir, "{\"model\": {\"type\": \"BPE\", \"merges\": []}}", "no model.vocab");
        assertRefused(dir, "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}", "model type \"Unigram\"");
        assertRefused(dir, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}", "model type \"WordPiece\"");
        assertRefused(dir, TOY.formatted("", "null").replace("\"BPE\",", "\"BPE\", \"dropout\": 0.1,"), "dropout");
        assertRefused(dir, TOY.formatted("", "null").replace("\"normalizer\": null", "\"normalizer\": {\"type\": \"BertNormalizer\"}"),
                "normalizer type \"BertNormalizer\"");
        assertRefused(dir, TOY.formatted("", "{\"type\": \"Whitespace\"}"), "pre_tokenizer type \"Whitespace\"");
        assertRefused(dir, TOY.formatted("", "null").replace("\"decoder\": null", "\"decoder\": {\"type\": \"WordPiece\"}"),
                "decoder type \"WordPiece\"");
        assertRefused(dir, TOY.formatted("", "null").replace("\"a bc\"", "\"a zz\""), "missing from the vocabulary");
        // HF does not load these either: add_prefix_space false needs prepend_scheme "never".
        assertRefused(dir, TOY.formatted("", "{\"type\": \"Metaspace\", \"replacement\": \"_\", \"add_prefix_space\": false}"),
                "pre_tokenizer Metaspace has add_prefix_space false but prepend_scheme \"always\"");
        assertRefused(dir, TOY.formatted("", "null").replace("\"decoder\": null", """
                "decoder": {"type": "Metaspace", "replacement": "_", "add_prefix_space": false, "prepend_scheme": "first"}"""),
                "decoder Metaspace has add_prefix_space false but prepend_scheme \"first\"");
    }

    private static void assertRefused(Path dir, String json, String expected) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        BadInputException e = assertThrows(BadInputException.class, () -> TokenizerJson.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
