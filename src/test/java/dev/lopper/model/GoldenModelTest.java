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
        float[] a = new Transformer(bin).logits(tokens, 2, 40, Pass.plain());
        float[] b = new Transformer(hf).logits(tokens, 2, 40, Pass.plain());
        // Same weights; only fp32 summation order may differ (heap vs mapped matrices take different packing paths).
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        assertTrue(maxDiff < 1e-4, "max |Δlogit| " + maxDiff);   // logits of order 10: fp32 rounding
        for (int r = 0; r < 80; r++) assertEquals(Sampler.argmax(a, r * 512, 512), Sampler.argmax(b, r * 512, 512));
    }

    @Test
    void stories260KTeacherForcedNllMatchesTheReference() {
        Path dir = SharedData.require("models/stories260K-hf");
        try (Tokenizer tok = Tokenizers.forModel(dir, null)) {
            int[] ids = tok.encode("One day, a clever fox found a shiny key under the old oak tree.", true);
            assertEquals(35, ids.length);
            CausalLM.Loss loss = new Transformer(Checkpoints.load(dir)).loss(ids, 1, ids.length, Pass.plain());
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
            Generator.Result r = new Generator(t).generate(prompt, 256, Sampler.greedy(), -1);
            String text = tok.decode(r.tokens()).strip();
            int n = Math.min(text.length(), expected.length());
            assertTrue(n > 500, "generated " + text.length() + " characters");
            assertEquals(expected.substring(0, n), text.substring(0, n));
        }
    }

    /**
     * Perplexities of both fixtures on whole texts, to 0.1%. CI runs one corpus per model (about
     * three minutes); {@code -Dlopper.golden=full} runs all ten (docs/results/engine.md: "Golden checks").
     */
    @ParameterizedTest(name = "{0} {1} seq {2}")
    @CsvSource({
            "tiny-llama-gqa-8m, wikitext2, 128, wikitext2_test_128, ci",
            "tiny-llama-gqa-8m, wikitext2, 512, wikitext2_test_512, full",
            "tiny-llama-gqa-8m, ptb, 128, ptb_test_128, full",
            "tiny-llama-gqa-8m, ptb-valid, 128, ptb_valid_128, full",
            "tiny-llama-gqa-8m, tinystories, 128, tinystories_val_128, full",
            "tiny-llama-mha-3m, wikitext2, 128, wikitext2_test_128, full",
            "tiny-llama-mha-3m, wikitext2, 512, wikitext2_test_512, full",
            "tiny-llama-mha-3m, ptb, 128, ptb_test_128, ci",
            "tiny-llama-mha-3m, ptb-valid, 128, ptb_valid_128, full",
            "tiny-llama-mha-3m, tinystories, 128, tinystories_val_128, full"})
    void fixturePerplexityMatchesTheReference(String model, String corpus, int seq, String key, String set)
            throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(set.equals("ci") || "full".equals(System.getProperty("lopper.golden")),
                "skipped: part of the full golden set (-Dlopper.golden=full)");
        Path dir = SharedData.require("models/" + model);
        JsonNode golden = new ObjectMapper().readTree(dir.resolve("eval.json").toFile()).get(key);
        try (Tokenizer tok = Tokenizers.forModel(dir, null)) {
            Perplexity.Result r = Perplexity.evaluate(new Transformer(Checkpoints.load(dir)), tok,
                    TextCorpus.resolve(corpus, SharedData.dir()), seq, 0, 8, Pass.plain(), ProgressListener.NONE);
            assertEquals(golden.get("windows").asInt(), r.windows());
            assertEquals(golden.get("predicted_tokens").asLong(), r.predictedTokens());
            double want = golden.get("ppl").asDouble();
            assertEquals(want, r.ppl(), want * 1e-3, model + " " + key);
        }
    }
}
