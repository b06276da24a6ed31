package dev.lopper.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BLOOM's tokenizer.json pipeline (bigscience/bloom: no normalizer; a Split pre-tokenizer on
 * {@code " ?[^(\s|[.,!?…。，、।۔،])]+"}, Isolated, then ByteLevel without prefix space and without
 * its own regex; ByteLevel post-processor and decoder; special tokens 0–3) over a tiny vocabulary,
 * so that the ids can be worked out by hand. The Split regex is Oniguruma's: the outer class is
 * negated as a whole, nested class included, and "(", "|" and ")" inside it are literal
 * characters, so runs of anything but whitespace, those three and the listed punctuation match,
 * with one optional space before; everything between matches is its own piece.
 */
class BloomTokenizerJsonTest {
    static final String PRE_TOKENIZER = """
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": " ?[^(\\\\s|[.,!?…。，、।۔،])]+"}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}""";
    static final String DECODER = """
            {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": false}""";
    private static final String BLOOM = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [
               {"id": 0, "special": true, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false},
               {"id": 1, "special": true, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false},
               {"id": 2, "special": true, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false},
               {"id": 3, "special": true, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false}],
             "normalizer": null,
             "pre_tokenizer": %s,
             "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": false},
             "decoder": %s,
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
               "end_of_word_suffix": null, "fuse_unk": false,
               "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<pad>": 3,
                 "!": 4, "(": 5, ")": 6, ",": 7, "H": 8, "d": 9, "e": 10, "l": 11, "o": 12, "r": 13, "s": 14,
                 "t": 15, "w": 16, "Ġ": 17, "o,": 18, "ll": 19, "ell": 20, "Hell": 21, "Hello": 22, "Ġw": 23,
                 "or": 24, "Ġwor": 25, "te": 26, "tes": 27, "test": 28, ")!": 29, "Ġ(": 30,
                 "a": 31, "b": 32, "|": 33, "a|": 34, "ĠĠ": 35, "ä": 36, "Ã": 37, "¤": 38, "Ã¤": 39, "ã": 40, "Ģ": 41, "Ĥ": 42},
               "merges": ["o ,", "Ġ Ġ", "a |", "l l", "e ll", "H ell", "Hell o", "Ġ w", "o r", "Ġw or",
                          "t e", "te s", "tes t", ") !", "Ġ (", "Ã ¤"]}}
            """;

    private static TokenizerPipeline bloom(Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, BLOOM.formatted(PRE_TOKENIZER, DECODER));
        return TokenizerJson.load(file);
    }

    /** The same ids and text from the Rust Hugging Face tokenizers library (DJL, test scope) on the same file. */
    private static void sameAsHf(Path dir, TokenizerPipeline ours, String... texts) {
        try (ReferenceTokenizer hf = new ReferenceTokenizer(dir.resolve("tokenizer.json"))) {
            for (String text : texts) {
                assertArrayEquals(hf.encode(text), ours.encode(text), text);
                assertEquals(hf.decode(ours.encode(text), true), ours.decode(ours.encode(text), true), text);
            }
        }
    }

    @Test
    void splitThenByteLevelBpe(@TempDir Path dir) throws IOException {
        TokenizerPipeline t = bloom(dir);
        // Pieces "Hello" "," " world" " (" "test" ")!": the comma is not a match, so "o ," (rank 0)
        // never sees "o" and ","; " (" is the gap between " world" and "test" (a space, then "(",
        // which the class excludes). Hello = H·e·l·l·o → ll → ell → Hell → Hello; Ġworld = Ġw, or,
        // Ġwor, then l and d stay; Ġ( and )! merge; test = te → tes → test.
        int[] ids = t.encode("Hello, world (test)!");
        assertArrayEquals(new int[] {22, 7, 25, 11, 9, 30, 28, 29}, ids);
        assertEquals("Hello, world (test)!", t.decode(ids, true));
        // "|" is a literal character of the class: "a" "|" "b", so "a |" never merges.
        assertArrayEquals(new int[] {31, 33, 32}, t.encode("a|b"));
        // Two spaces: "a", the first space alone (a space not followed by a match), " b":
        // ĠĠ (rank 1) never forms.
        assertArrayEquals(new int[] {31, 17, 17, 32}, t.encode("a  b"));
        assertEquals("a  b", t.decode(new int[] {31, 17, 17, 32}, true));
        sameAsHf(dir, t, "Hello, world (test)!", "a|b", "a  b", "Hello,Hello (a|b)");
    }

    @Test
    void nonAsciiGoesThroughBytesAndTheWideFullStopSplits(@TempDir Path dir) throws IOException {
        TokenizerPipeline t = bloom(dir);
        // "ä" is UTF-8 C3 A4, shown as "Ã" "¤", merged to "Ã¤"; "。" (E3 80 82, shown "ã" "Ģ" "Ĥ") is
        // in the class, so it is a piece of its own between "ä" and "ab"... here "b".
        int[] ids = t.encode("ä。b");
        assertArrayEquals(new int[] {39, 40, 41, 42, 32}, ids);
        assertEquals("ä。b", t.decode(ids, true));
        assertEquals("<s>Hello", t.decode(new int[] {1, 22}, false));
        assertEquals("Hello", t.decode(new int[] {1, 22}, true), "special tokens skipped");
        sameAsHf(dir, t, "ä。b", "ä、a，b।");
    }
}
