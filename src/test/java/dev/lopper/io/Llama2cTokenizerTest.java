package dev.lopper.io;

import dev.lopper.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Llama2cTokenizer on Karpathy's tok512.bin and the Llama 2 32k tokenizer.bin. */
class Llama2cTokenizerTest {

    private static final List<String> TEXTS = List.of(
            "Once upon a time, there was a little girl named Lily.",
            "Café, naïve, Ångström",
            "東京は日本の首都です。",
            "Emoji: 👍🏽 🇫🇷 and 👨‍👩‍👧",
            "line one\nline two\n\n\tindented",
            "multiple   spaces and trailing  ",
            "  leading spaces",
            "");

    @Test
    void tok512HasKarpathysLayout() {
        Llama2cTokenizer t = Llama2cTokenizer.load(SharedData.require("models/stories260K/tok512.bin"));
        assertEquals(512, t.vocabSize());
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals("<0x0A>", t.piece(13));
        assertEquals(" t", t.piece(259));
        assertArrayEquals(new int[0], t.encode("", false));
        assertArrayEquals(new int[] {1}, t.encode("", true));
    }

    /** SOURCES.md: the converted tokenizer.json agrees with tok512 on text without extra spaces. */
    @Test
    void tok512AgreesWithItsHfConversionOnProse() throws IOException {
        Llama2cTokenizer bin = Llama2cTokenizer.load(SharedData.require("models/stories260K/tok512.bin"));
        String corpus = Files.readString(SharedData.require("eval/tinystories/tinystories_val.txt"));
        List<String> prose = Arrays.stream(corpus.split("\n\n"))
                .filter(p -> !p.isBlank() && p.equals(p.strip()) && !p.contains("  ") && !p.contains("\n"))
                .limit(300)
                .toList();
        assertEquals(300, prose.size());
        try (HfTokenizer hf = HfTokenizer.load(SharedData.require("models/stories260K-hf/tokenizer.json"))) {
            for (String paragraph : prose) {
                assertArrayEquals(hf.encode(paragraph, true), bin.encode(paragraph, true), paragraph);
            }
        }
    }

    /**
     * SOURCES.md's "differ on text with extra spaces" is about SentencePiece's tok512.model,
     * which removes extra whitespace. run.c's encoder does not, and neither does the
     * tokenizer.json, so these two agree there too (WikiText lines start and end with a space).
     */
    @Test
    void tok512AgreesWithItsHfConversionOnExtraSpaces() throws IOException {
        Llama2cTokenizer bin = Llama2cTokenizer.load(SharedData.require("models/stories260K/tok512.bin"));
        String corpus = Files.readString(SharedData.require("eval/wikitext2-hf-joined/wikitext-test.txt"));
        List<String> spaced = Arrays.stream(corpus.split("\n+"))
                .filter(p -> p.startsWith(" ") && p.endsWith(" ")) // leading and trailing spaces
                .limit(200)
                .toList();
        assertEquals(200, spaced.size());
        try (HfTokenizer hf = HfTokenizer.load(SharedData.require("models/stories260K-hf/tokenizer.json"))) {
            for (String paragraph : spaced) {
                assertArrayEquals(hf.encode(paragraph, true), bin.encode(paragraph, true), paragraph);
            }
        }
    }

    @Test
    void decodeInvertsEncode() {
        for (String file : List.of("models/stories260K/tok512.bin", "models/llama2-tokenizer-32k/tokenizer.bin")) {
            Llama2cTokenizer t = Llama2cTokenizer.load(SharedData.require(file));
            for (String text : TEXTS) {
                assertEquals(text, t.decode(t.encode(text, true)), () -> file + ": " + text);
                assertEquals(text, t.decode(t.encode(text, false)), () -> file + " without BOS: " + text);
                assertEquals(text, HfTokenizerTest.streamed(t, t.encode(text, true)), () -> file + " streamed: " + text);
            }
        }
    }

    @Test
    void decodeTokenFollowsRunC() {
        Llama2cTokenizer t = Llama2cTokenizer.load(SharedData.require("models/llama2-tokenizer-32k/tokenizer.bin"));
        int[] ids = t.encode("Hello world", true);
        assertEquals("Hello", t.decodeToken(ids[0], ids[1]), "leading space stripped after BOS");
        assertEquals(" world", t.decodeToken(ids[1], ids[2]));
        assertEquals("\n", t.decodeToken(ids[2], 13), "byte token <0x0A>");
    }

    /**
     * Meta's Llama 2 ids (tokenizer.bin from llama2.c). The staged tokenizers/llama2/tokenizer.json
     * is NOT the same vocabulary: it is Mistral's 32k vocabulary (SOURCES.md), so ids differ
     * (only the 3 specials and 256 byte tokens, plus a few pieces, share ids); both still
     * round-trip the same text.
     */
    @Test
    void llama2BinIsMetasVocabularyNotTheStagedJson() {
        Llama2cTokenizer bin = Llama2cTokenizer.load(SharedData.require("models/llama2-tokenizer-32k/tokenizer.bin"));
        assertEquals(32000, bin.vocabSize());
        assertArrayEquals(new int[] {1, 15043, 3186}, bin.encode("Hello world", true));
        assertEquals(" Hello", bin.piece(15043));
        assertEquals(" Engineering", bin.piece(22557));
        try (HfTokenizer json = HfTokenizer.load(SharedData.require("tokenizers/llama2/tokenizer.json"))) {
            assertArrayEquals(new int[] {1, 22557, 1526}, json.encode("Hello world", true));
            for (String text : TEXTS) {
                assertEquals(json.decode(json.encode(text, true)), bin.decode(bin.encode(text, true)));
            }
        }
    }

    @Test
    void missingFileNamesIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.bin");
        var e = assertThrows(BadInputException.class, () -> Llama2cTokenizer.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void truncatedFileNamesIt(@TempDir Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 + 3).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(7).putFloat(0f).putInt(5).put(new byte[] {'a', 'b', 'c'}); // says 5 bytes, has 3
        Path file = dir.resolve("tokenizer.bin");
        Files.write(file, b.array());
        var e = assertThrows(BadInputException.class, () -> Llama2cTokenizer.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
    }
}
