package dev.lopper.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.SharedData;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.Perplexity;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The engine against independent references on real trained models: Karpathy's stories260K
 * (llama2.c run.c output and a numpy forward pass, SOURCES.md) and the tiny-llama fixtures
 * (perplexities from the reference implementation, FIXTURES.md / eval.json).
 */
class GoldenModelTest {

    @Test
    void stories260KGivesIdenticalLogitsInBothFormats() {
        LlamaModel bin = Checkpoints.load(SharedData.require("models/stories260K/stories260K.bin"));
        LlamaModel hf = Checkpoints.load(SharedData.require("models/stories260K-hf"));
        int[] tokens = TestModels.tokens(7, 2 * 40, 512);
        float[] a = new Transformer(bin).logits(tokens, 2, 40, null);
        float[] b = new Transformer(hf).logits(tokens, 2, 40, null);
        assertArrayEquals(a, b, "same weights after the q/k permutation must give the same logits");
    }

    @Test
    void stories260KTeacherForcedNllMatchesTheReference() {
        Path dir = SharedData.require("models/stories260K-hf");
        try (Tokenizer tok = Tokenizers.forModel(dir, null)) {
            int[] ids = tok.encode("One day, a clever fox found a shiny key under the old oak tree.", true);
            assertEquals(35, ids.length);
            Transformer.Loss loss = new Transformer(Checkpoints.load(dir)).loss(ids, 1, ids.length, null, null);
            // esp32-llm eval/golden.json and a numpy forward pass: NLL 54.404121, ppl 4.953633
            assertEquals(54.404121, loss.sumNll(), 1e-3);
            assertEquals(4.953633, Math.exp(loss.mean()), 1e-4);
        }
    }

    @Test
    void stories260KGreedyStoryMatchesRunC() throws IOException {
        Path bin = SharedData.require("models/stories260K/stories260K.bin");
        String md = Files.readString(SharedData.require("models/stories260K/stories260K.md"));
        int start = md.indexOf("Once upon a time, there was a little girl named Lily");
        String expected = md.substring(start, md.indexOf("```", start)).strip();
        try (Tokenizer tok = Tokenizers.forModel(bin, null)) {
            Transformer t = new Transformer(Checkpoints.load(bin));
            int[] prompt = tok.encode("Once upon a time", true);
            Generator.Result r = new Generator(t).generate(prompt, 256, Sampler.greedy(), -1, null, null);
            String text = tok.decode(r.tokens()).strip();
            int n = Math.min(text.length(), expected.length());
            assertTrue(n > 500, "generated " + text.length() + " characters");
            assertEquals(expected.substring(0, n), text.substring(0, n));
        }
    }

    /** All five perplexities of both fixtures, to 0.1% (the full texts: this takes a while). */
    @ParameterizedTest(name = "{0} {1} seq {2}")
    @CsvSource({
            "tiny-llama-gqa-8m, wikitext2, 128, wikitext2_test_128",
            "tiny-llama-gqa-8m, wikitext2, 512, wikitext2_test_512",
            "tiny-llama-gqa-8m, ptb, 128, ptb_test_128",
            "tiny-llama-gqa-8m, ptb-valid, 128, ptb_valid_128",
            "tiny-llama-gqa-8m, tinystories, 128, tinystories_val_128",
            "tiny-llama-mha-3m, wikitext2, 128, wikitext2_test_128",
            "tiny-llama-mha-3m, wikitext2, 512, wikitext2_test_512",
            "tiny-llama-mha-3m, ptb, 128, ptb_test_128",
            "tiny-llama-mha-3m, ptb-valid, 128, ptb_valid_128",
            "tiny-llama-mha-3m, tinystories, 128, tinystories_val_128"})
    void fixturePerplexityMatchesTheReference(String model, String corpus, int seq, String key) throws IOException {
        Path dir = SharedData.require("models/" + model);
        JsonNode golden = new ObjectMapper().readTree(dir.resolve("eval.json").toFile()).get(key);
        try (Tokenizer tok = Tokenizers.forModel(dir, null)) {
            Perplexity.Result r = Perplexity.evaluate(new Transformer(Checkpoints.load(dir)), tok,
                    TextCorpus.resolve(corpus, SharedData.dir()), seq, 0, 8, null, ProgressListener.NONE);
            assertEquals(golden.get("windows").asInt(), r.windows());
            assertEquals(golden.get("predicted_tokens").asLong(), r.predictedTokens());
            double want = golden.get("ppl").asDouble();
            assertEquals(want, r.ppl(), want * 1e-3, model + " " + key);
        }
    }
}
