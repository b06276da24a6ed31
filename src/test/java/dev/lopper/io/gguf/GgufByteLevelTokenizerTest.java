package dev.lopper.io.gguf;

import dev.lopper.BadInputException;
import dev.lopper.SharedData;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A byte-level BPE vocabulary ({@code gpt2}) read back from a GGUF: Llama 3's and Qwen 3's real
 * tokenizer.json exported (pre-tokenizers llama-bpe and qwen2), read back from the file alone, and
 * run on varied texts (unicode, digits, spaces, special tokens written in the text, 8,000
 * characters of WikiText-2): the same ids, special ids and decoded text as the tokenizer.json.
 * (LlamaCppTokenizerTest checks the same metadata against llama.cpp's own tokenizer.) Unknown
 * pre-tokenizer names are refused by name.
 */
class GgufByteLevelTokenizerTest {
    @TempDir
    Path tmp;

    /** Loading a 128K/151K vocabulary takes seconds: each tokenizer.json, its metadata and its read-back once. */
    private static final Map<String, Tokenizer> ORIGINALS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Map<String, GgufValue>> METADATA = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Tokenizer> READ_BACK = new java.util.concurrent.ConcurrentHashMap<>();
    @TempDir
    static Path shared;

    private static Tokenizer original(String relative) {
        return ORIGINALS.computeIfAbsent(relative, r -> Tokenizers.open(SharedData.require(r)));
    }

    private static Map<String, GgufValue> metadata(String relative) {
        return METADATA.computeIfAbsent(relative, r -> GgufTokenizerMetadata.of(original(r)));
    }

    private static Tokenizer roundTrip(String relative) {
        return READ_BACK.computeIfAbsent(relative, r -> {
            Path file = shared.resolve(r.replace('/', '-') + ".gguf");
            GgufWriter.write(file, metadata(r), List.of());
            return Tokenizers.open(file);
        });
    }

    private static List<String> texts(String... specials) throws Exception {
        List<String> texts = new ArrayList<>(LlamaCppTokenizerTest.TEXTS);
        texts.add("digits 0 12 345 6789 01234567 and 3.14159, 1,000,000 — dashes – and ‘quotes’ “like these”");
        texts.add("tabs\tand   many    spaces   \n\n\n trailing spaces   ");
        texts.add("Ελληνικά, русский, العربية, हिन्दी, 한국어, ภาษาไทย, ñandú, straße, ﬁ ligature, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢");
        texts.add(String.join(" text ", specials) + " after");
        Path wiki = SharedData.dir().resolve("eval/wikitext2/test.txt");
        if (Files.isRegularFile(wiki)) texts.add(Files.readString(wiki).substring(0, 8_000));
        return texts;
    }

    private void sameTokenizer(String name, String relative, String... specials) throws Exception {
        Tokenizer original = original(relative);
        assertEquals("gpt2", metadata(relative).get("tokenizer.ggml.model").value());
        Tokenizer back = roundTrip(relative);
        assertEquals(original.vocabSize(), back.vocabSize(), name + ": vocabulary size");
        assertEquals(original.bosId(), back.bosId(), name + ": BOS");
        assertEquals(original.eosId(), back.eosId(), name + ": EOS");
        assertEquals(original.addBosByDefault(), back.addBosByDefault(), name + ": adds BOS");
        int total = 0;
        for (String text : texts(specials)) {
            int[] ids = original.encode(text, true);
            assertArrayEquals(ids, back.encode(text, true), name + ": ids of " + text.substring(0, Math.min(40, text.length())));
            assertEquals(original.decode(ids), back.decode(ids), name + ": decoded text");
            total += ids.length;
        }
        for (String s : specials) assertEquals(1, back.encode(s, false).length, name + ": " + s + " is one token");
        System.out.printf("%s: tokenizer read back from GGUF gives the tokenizer.json's ids for %d tokens%n", name, total);
    }

    @Test
    void llama3ReadsBackFromGguf() throws Exception {
        sameTokenizer("llama3", "tokenizers/llama3/tokenizer.json", "<|begin_of_text|>", "<|start_header_id|>", "<|eot_id|>");
    }

    @Test
    void qwen3ReadsBackFromGguf() throws Exception {
        sameTokenizer("qwen3", "tokenizers/qwen3/tokenizer.json", "<|im_start|>", "<|im_end|>", "<think>", "<|endoftext|>");
    }

    @Test
    void exportToHfWritesTheTokenizerJsonItWasReadAs() throws Exception {
        Tokenizer back = roundTrip("tokenizers/qwen3/tokenizer.json");
        Path dir = Files.createDirectories(tmp.resolve("hf"));
        ((dev.lopper.io.HfTokenizer) back).writeFiles(dir);
        Tokenizer again = Tokenizers.open(dir.resolve("tokenizer.json"));
        for (String text : texts("<|im_start|>", "<think>")) assertArrayEquals(back.encode(text, true), again.encode(text, true));
        assertEquals(back.bosId(), again.bosId());
        assertEquals(back.eosId(), again.eosId());
        assertEquals(back.addBosByDefault(), again.addBosByDefault());
    }

    @Test
    void unknownOrMissingPreTokenizerIsRefusedByName() throws Exception {
        Map<String, GgufValue> meta = new LinkedHashMap<>(metadata("tokenizers/qwen3/tokenizer.json"));
        meta.put("tokenizer.ggml.pre", GgufValue.string("deepseek-coder"));
        Path file = tmp.resolve("odd.gguf");
        GgufWriter.write(file, meta, List.of());
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizers.open(file));
        assertTrue(e.getMessage().contains("'deepseek-coder'") && e.getMessage().contains("--tokenizer"), e.getMessage());
        meta.remove("tokenizer.ggml.pre");
        Path none = tmp.resolve("none.gguf");
        GgufWriter.write(none, meta, List.of());
        e = assertThrows(BadInputException.class, () -> Tokenizers.open(none));
        assertTrue(e.getMessage().contains("tokenizer.ggml.pre"), e.getMessage());
    }
}
