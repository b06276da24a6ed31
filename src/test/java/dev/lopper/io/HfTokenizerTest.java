package dev.lopper.io;

import dev.lopper.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HfTokenizer on the real Llama 2, Llama 3 and Qwen3 tokenizer.json files. */
class HfTokenizerTest {

    private static final List<String> TEXTS = List.of(
            "Hello world",
            "The quick brown fox jumps over the lazy dog. It was 1,234.56 degrees!",
            "Café, naïve, Ångström, façade, Zürich",
            "東京は日本の首都です。北京欢迎你",
            "Emoji: 👍🏽 🇫🇷 🙂 and a family 👨‍👩‍👧",
            "line one\nline two\n\n\tindented\r\nwindows",
            "multiple   spaces    here  and trailing  ",
            "  leading spaces",
            "Ελληνικά, русский, עברית, العربية");

    @Test
    void llama2HelloWorldWithBos() {
        try (HfTokenizer t = HfTokenizer.load(SharedData.require("tokenizers/llama2/tokenizer.json"))) {
            assertArrayEquals(new int[] {1, 22557, 1526}, t.encode("Hello world", true));
            assertArrayEquals(new int[] {22557, 1526}, t.encode("Hello world", false));
            assertEquals(1, t.bosId());
            assertEquals(2, t.eosId());
            assertTrue(t.addBosByDefault());
            assertEquals(32000, t.vocabSize());
        }
    }

    @Test
    void llama3HelloWorldMatchesVocabulary() throws IOException {
        Path file = SharedData.require("tokenizers/llama3/tokenizer.json");
        JsonNode vocab = new ObjectMapper().readTree(file.toFile()).path("model").path("vocab");
        // Byte-level BPE: "Ġ" stands for the space before "world".
        int hello = vocab.path("Hello").asInt(), world = vocab.path("Ġworld").asInt();
        assertEquals(9906, hello);
        assertEquals(1917, world);
        try (HfTokenizer t = HfTokenizer.load(file)) {
            assertArrayEquals(new int[] {128000, hello, world}, t.encode("Hello world", true));
            assertEquals(128000, t.bosId());
            assertEquals(128001, t.eosId());
            assertTrue(t.addBosByDefault(), "tokenizer_config names a BOS and does not say otherwise");
            assertEquals(128256, t.vocabSize());
        }
    }

    @Test
    void qwen3HelloWorldHasNoBos() throws IOException {
        Path file = SharedData.require("tokenizers/qwen3/tokenizer.json");
        JsonNode vocab = new ObjectMapper().readTree(file.toFile()).path("model").path("vocab");
        int hello = vocab.path("Hello").asInt(), world = vocab.path("Ġworld").asInt();
        assertEquals(9707, hello);
        assertEquals(1879, world);
        try (HfTokenizer t = HfTokenizer.load(file)) {
            assertEquals(-1, t.bosId());
            assertFalse(t.addBosByDefault());
            assertArrayEquals(new int[] {hello, world}, t.encode("Hello world", true), "no BOS to add");
            assertEquals(vocab.path("<|im_end|>").asInt(151645), t.eosId());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2", "tokenizers/llama3", "tokenizers/qwen3",
            "models/tiny-llama-gqa-8m"})
    void decodeInvertsEncode(String dir) {
        try (HfTokenizer t = HfTokenizer.load(SharedData.require(dir + "/tokenizer.json"))) {
            for (String text : TEXTS) {
                assertEquals(text, t.decode(t.encode(text, true)), () -> dir + ": " + text);
                assertEquals(text, streamed(t, t.encode(text, true)), () -> dir + " streamed: " + text);
            }
        }
    }

    @Test
    void specialTokenTextBecomesSpecialId() {
        try (HfTokenizer t = HfTokenizer.load(SharedData.require("models/tiny-llama-gqa-8m/tokenizer.json"))) {
            int[] ids = t.encode("a <unk> b", false);
            assertEquals(1, java.util.Arrays.stream(ids).filter(id -> id == 0).count());
            // As in HF (legacy): the text on each side is normalized on its own (each gets a "▁" prefix).
            int[] left = t.encode("a ", false), right = t.encode(" b", false);
            int[] expected = new int[left.length + 1 + right.length];
            System.arraycopy(left, 0, expected, 0, left.length);
            System.arraycopy(right, 0, expected, left.length + 1, right.length);
            assertArrayEquals(expected, ids);
        }
    }

    @Test
    void decodeTokenKeepsSentencePieceSpaces() {
        try (HfTokenizer t = HfTokenizer.load(SharedData.require("tokenizers/llama2/tokenizer.json"))) {
            assertEquals("Hello", t.decodeToken(1, 22557), "the first word after BOS has no space");
            assertEquals(" world", t.decodeToken(22557, 1526));
            int newline = t.encode("a\nb", false)[1];
            assertEquals("\n", t.decodeToken(t.encode("a", false)[0], newline), "byte-fallback <0x0A>");
            assertEquals("", t.decodeToken(22557, t.eosId()), "special tokens show nothing");
        }
    }

    @Test
    void longTextIsNotTruncated() {
        try (HfTokenizer t = HfTokenizer.load(SharedData.require("tokenizers/llama3/tokenizer.json"))) {
            String text = "word ".repeat(5000);
            int[] ids = t.encode(text, false);
            assertTrue(ids.length >= 5000, "got " + ids.length + " ids");
            assertEquals(text, t.decode(ids));
        }
    }

    @Test
    void specialTokensFromTemplateWhenNoConfig(@TempDir Path dir) throws IOException {
        Path json = Files.copy(SharedData.require("models/stories260K-hf/tokenizer.json"), dir.resolve("tokenizer.json"));
        try (HfTokenizer t = HfTokenizer.load(json)) {
            assertEquals(1, t.bosId(), "TemplateProcessing puts <s> first");
            assertEquals(2, t.eosId(), "</s> among the added tokens");
            assertTrue(t.addBosByDefault());
        }
        // AddedToken objects in tokenizer_config.json, and add_bos_token false.
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "</s>", "special": true}, "eos_token": {"content": "<s>"},
                 "add_bos_token": false}
                """);
        try (HfTokenizer t = HfTokenizer.load(dir)) {
            assertEquals(2, t.bosId());
            assertEquals(1, t.eosId());
            assertFalse(t.addBosByDefault());
            assertArrayEquals(new int[0], t.encode("", false));
            assertArrayEquals(new int[] {2}, t.encode("", true));
            assertEquals("", t.decode(new int[0]));
        }
    }

    /** Decodes by streaming, as generation does. */
    static String streamed(Tokenizer t, int[] ids) {
        StreamingDecoder stream = new StreamingDecoder(t);
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(stream.push(id));
        return out.toString();
    }
}
