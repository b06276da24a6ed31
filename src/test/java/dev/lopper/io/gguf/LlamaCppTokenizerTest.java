package dev.lopper.io.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The tokenizer metadata of Lopper's GGUF export, run by llama.cpp's own tokenizers (vocab-only
 * GGUF files): the same ids as Lopper's tokenizer for SentencePiece-style tokenizer.json (Llama 2),
 * byte-level BPE (Llama 3: llama-bpe, Qwen 3: qwen2) and llama2.c tokenizer.bin files (32K and 512).
 */
class LlamaCppTokenizerTest {
    @TempDir
    Path tmp;

    static final List<String> TEXTS = List.of(
            LlamaCppClientTest.TEXT,
            "Hello world",
            "  two leading spaces,\ttabs\tand\n\nblank lines\n",
            "Ünïcödé, 日本語のテキスト, emoji 🤗🐟 and numbers 1234567 3.14159",
            "don't I'll we've THEY'RE it's  (parentheses) [brackets] {braces} <angle> #hash @at $99.99");

    @Test
    void llamaCppTokenizesAsLopper() throws Exception {
        LlamaCppClient.availableOrSkip();
        Map<String, Path> tokenizers = new LinkedHashMap<>();
        tokenizers.put("fixture", Path.of("models/tiny-llama-gqa-8m/tokenizer.json"));
        Path data = SharedData.dir();
        tokenizers.put("llama2", data.resolve("tokenizers/llama2/tokenizer.json"));
        tokenizers.put("llama3", data.resolve("tokenizers/llama3/tokenizer.json"));
        tokenizers.put("qwen3", data.resolve("tokenizers/qwen3/tokenizer.json"));
        tokenizers.put("llama2c-32k", data.resolve("models/llama2-tokenizer-32k/tokenizer.bin"));
        tokenizers.put("llama2c-512", data.resolve("models/stories260K/tok512.bin"));
        List<String> texts = new ArrayList<>(TEXTS);
        Path wiki = data.resolve("eval/wikitext2/test.txt");
        if (Files.isRegularFile(wiki)) texts.add(Files.readString(wiki).substring(0, 8_000));

        ObjectNode request = LlamaCppClient.request(1);
        Map<String, Tokenizer> lopper = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<String, Path> t : tokenizers.entrySet()) {
            if (!Files.isRegularFile(t.getValue())) {
                skipped.add(t.getKey());
                continue;
            }
            Tokenizer tok = Tokenizers.open(t.getValue());
            lopper.put(t.getKey(), tok);
            Map<String, GgufValue> meta = new LinkedHashMap<>();
            meta.put("general.architecture", GgufValue.string("llama"));
            meta.putAll(GgufTokenizerMetadata.of(tok));
            Path file = tmp.resolve(t.getKey() + ".gguf");
            GgufWriter.write(file, meta, List.of());
            ObjectNode run = ((ArrayNode) request.get("runs")).addObject();
            run.put("model", file.toAbsolutePath().toString());
            run.put("vocabOnly", true);
            ArrayNode jobs = run.putArray("jobs");
            // tokenizer.json: special tokens written in the text are tokens (as in HF); llama2.c's run.c reads all as text.
            boolean special = tok instanceof dev.lopper.io.HfTokenizer;
            for (String text : texts) jobs.addObject().put("op", "tokenize").put("text", text).put("special", special);
        }
        if (!skipped.isEmpty()) System.out.println("LlamaCppTokenizerTest: not found, not compared: " + skipped);
        JsonNode runs = LlamaCppClient.run(request, tmp).get("runs");
        int i = 0;
        for (Map.Entry<String, Tokenizer> t : lopper.entrySet()) {
            JsonNode results = runs.get(i++).get("results");
            long total = 0;
            for (int k = 0; k < texts.size(); k++) {
                int[] expected = t.getValue().encode(texts.get(k), false);
                JsonNode got = results.get(k).get("tokens");
                int[] actual = new int[got.size()];
                for (int j = 0; j < actual.length; j++) actual[j] = got.get(j).asInt();
                assertArrayEquals(expected, actual, t.getKey() + ", text " + k);
                total += expected.length;
            }
            System.out.printf("llama.cpp tokenizes as Lopper: %s, %d texts, %d tokens%n", t.getKey(), texts.size(), total);
        }
    }
}
