package dev.lopper.io.gguf;

import dev.lopper.model.Pass;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.Param;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Lopper's GGUF export run by the real llama.cpp (node-llama-cpp 3.22.1's prebuilt CPU build):
 * the 8M fixture dense, uniformly pruned (architecture llama) and non-uniformly pruned (deci:
 * GQA groups removed unevenly, FLAP bias compensation, emptied attention in layers 0 and 2, an
 * emptied MLP, a wholly emptied layer), compared with Lopper on the same prompt: the same tokens,
 * the same 32-token greedy continuation and per-token log-probabilities within 1e-3 (f32; KV cache
 * kept in F32 too). Q8_0: llama.cpp vs Lopper on the dequantised file (which llama.cpp computes
 * with 8-bit activations too): the first 16 greedy tokens and perplexity within 1%.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaCppClientTest {
    static final Path FIXTURE = Path.of("models/tiny-llama-gqa-8m");
    static final String PROMPT = "Once upon a time, there was a little girl named Lily. She";
    static final int CONTINUATION = 32;
    /** A fixed text with digits, punctuation, a line break and characters the vocabulary lacks (byte fallback). */
    static final String TEXT = """
            The little dog ran to the park on Monday, 12 March 2024. "Can I play?" asked Tom. His mother \
            smiled and said yes, but only until five o'clock.
            They found a café with naïve paintings, a red kite and three big trees; the wind was strong \
            and the sun was warm. Tom laughed: the kite flew higher than the birds! At home, Lily read \
            a book about the sea, the moon and a brave fish called Finn, who swam all the way to the \
            end of the world and back again. 🐟 The end.""";

    @TempDir
    static Path tmp;

    record Case(String name, LlamaModel lopper, Path gguf, String arch) {}

    final Map<String, Case> cases = new LinkedHashMap<>();
    Tokenizer tokenizer;
    JsonNode runs;

    @BeforeAll
    void exportAndRun() throws Exception {
        LlamaCppClient.availableOrSkip();
        LlamaModel dense = Checkpoints.load(FIXTURE);
        tokenizer = Tokenizers.forModel(FIXTURE, null);
        Map<String, GgufValue> tok = GgufTokenizerMetadata.of(tokenizer);
        LlamaModel uniform = Surgery.apply(dense, uniformPlan(dense));
        LlamaModel deci = nonUniform(dense);
        add("dense-f32", dense, tok, GgmlType.F32, dense);
        add("uniform-f32", uniform, tok, GgmlType.F32, uniform);
        add("deci-f32", deci, tok, GgmlType.F32, deci);
        add("dense-q8_0", dense, tok, GgmlType.Q8_0, null);
        add("deci-q8_0", deci, tok, GgmlType.Q8_0, null);

        ObjectNode request = LlamaCppClient.request(1);
        int[] prompt = tokenizer.encode(PROMPT, true);
        int[] text = tokenizer.encode(TEXT, true);
        for (Case c : cases.values()) {
            ObjectNode run = ((ArrayNode) request.get("runs")).addObject();
            run.put("model", c.gguf().toAbsolutePath().toString());
            ArrayNode jobs = run.putArray("jobs");
            jobs.addObject().put("op", "info");
            jobs.addObject().put("op", "tokenize").put("text", PROMPT);
            jobs.addObject().put("op", "tokenize").put("text", TEXT);
            ObjectNode greedy = jobs.addObject().put("op", "greedy").put("n", CONTINUATION);
            IntStream.of(prompt).forEach(greedy.putArray("tokens")::add);
            ObjectNode score = jobs.addObject().put("op", "score");
            IntStream.of(text).forEach(score.putArray("tokens")::add);
        }
        runs = LlamaCppClient.run(request, tmp).get("runs");
    }

    private void add(String name, LlamaModel model, Map<String, GgufValue> tok, GgmlType type, LlamaModel reference) {
        Path file = tmp.resolve(name + ".gguf");
        GgufLayout layout = GgufExport.write(model, tok, new GgufExport.Options(type, name), file);
        LlamaModel lopper = reference != null ? reference : Checkpoints.load(file);     // q8_0: the dequantised file
        cases.put(name, new Case(name, lopper, file, layout.architecture()));
    }

    /** Every layer keeps kv heads 0 and 2 (with their query heads) and every other MLP channel. */
    static KeepPlan uniformPlan(LlamaModel dense) {
        int n = dense.config().numLayers();
        int[][] heads = new int[n][], channels = new int[n][];
        for (int l = 0; l < n; l++) {
            heads[l] = new int[]{0, 2};
            channels[l] = IntStream.range(0, dense.config().layer(l).intermediate() / 2).map(i -> 2 * i + 1).toArray();
        }
        return new KeepPlan(heads, channels);
    }

    /**
     * Per layer (kv heads kept of 4, MLP channels kept of 768), with FLAP-style o/down bias
     * compensation everywhere except the wholly emptied layer 5:
     * 0: none (attention emptied in layer 0), 512 · 1: 4, 704 · 2: none, 256 · 3: 3, 0 ·
     * 4: 1, 0 without biases · 5: none, 0 without biases · 6: 2, 96 · 7: 1, 640.
     */
    static LlamaModel nonUniform(LlamaModel dense) {
        int[][] heads = {{}, {0, 1, 2, 3}, {}, {0, 1, 3}, {2}, {}, {1, 3}, {0}};
        int[] widths = {512, 704, 256, 0, 0, 0, 96, 640};
        int n = heads.length, h = dense.config().hiddenSize();
        Random rnd = new Random(13);
        int[][] channels = new int[n][];
        float[][] oDelta = new float[n][], downDelta = new float[n][];
        for (int l = 0; l < n; l++) {
            List<Integer> all = new ArrayList<>(IntStream.range(0, 768).boxed().toList());
            java.util.Collections.shuffle(all, rnd);
            channels[l] = all.subList(0, widths[l]).stream().mapToInt(Integer::intValue).sorted().toArray();
            oDelta[l] = new float[h];
            downDelta[l] = new float[h];
            for (int i = 0; i < h; i++) {
                oDelta[l][i] = (float) (0.05 * rnd.nextGaussian());
                downDelta[l][i] = (float) (0.05 * rnd.nextGaussian());
            }
        }
        LlamaModel pruned = Surgery.apply(dense, new KeepPlan(heads, channels, oDelta, downDelta));
        List<LayerWeights> layers = new ArrayList<>(pruned.layers());
        for (int l : new int[]{4, 5}) {
            LayerWeights w = layers.get(l);
            layers.set(l, w.toBuilder().put(Param.BO, l == 5 ? null : w.bo()).put(Param.BDOWN, null).build());
        }
        return new LlamaModel(pruned.config(), pruned.embed(), layers, pruned.finalNorm(), pruned.lmHead());
    }

    private JsonNode results(String name) {
        for (JsonNode r : runs) if (r.get("model").asText().endsWith(name + ".gguf")) return r.get("results");
        throw new AssertionError("no llama.cpp results for " + name);
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asDouble();
        return v;
    }

    /** Lopper's greedy continuation: full-sequence logits each step (no KV cache), argmax, log-softmax in double. */
    record Greedy(int[] tokens, double[] logprobs) {}

    static Greedy greedy(LlamaModel model, int[] prompt, int n) {
        Transformer t = new Transformer(model);
        int vocab = model.config().vocabSize();
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        int[] out = new int[n];
        double[] lp = new double[n];
        for (int step = 0; step < n; step++) {
            int len = prompt.length + step;
            float[] logits = t.logits(Arrays.copyOf(seq, len), 1, len, Pass.plain());
            int off = (len - 1) * vocab, best = 0;
            for (int j = 1; j < vocab; j++) if (logits[off + j] > logits[off + best]) best = j;
            out[step] = best;
            lp[step] = logSoftmax(logits, off, vocab, best);
            seq[len] = best;
        }
        return new Greedy(out, lp);
    }

    /** log p(tokens[i+1] | tokens[..i]) for every i. */
    static double[] score(LlamaModel model, int[] tokens) {
        int vocab = model.config().vocabSize();
        float[] logits = new Transformer(model).logits(tokens, 1, tokens.length, Pass.plain());
        double[] lp = new double[tokens.length - 1];
        for (int i = 0; i < lp.length; i++) lp[i] = logSoftmax(logits, i * vocab, vocab, tokens[i + 1]);
        return lp;
    }

    static double logSoftmax(float[] logits, int off, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < vocab; j++) max = Math.max(max, logits[off + j]);
        double sum = 0;
        for (int j = 0; j < vocab; j++) sum += Math.exp(logits[off + j] - max);
        return logits[off + token] - max - Math.log(sum);
    }

    @Test
    void architecturesAreLlamaForUniformShapesAndDeciOtherwise() {
        assertEquals("llama", cases.get("dense-f32").arch());
        assertEquals("llama", cases.get("uniform-f32").arch());
        assertEquals("deci", cases.get("deci-f32").arch());
        for (Case c : cases.values()) assertEquals(c.arch(), results(c.name()).get(0).get("architecture").asText(), c.name());
    }

    @Test
    void tokenizationIsIdentical() {
        for (Case c : cases.values()) {
            JsonNode r = results(c.name());
            int bos = r.get(0).get("bos").asInt();
            assertEquals(tokenizer.bosId(), bos);
            assertArrayEquals(tokenizer.encode(PROMPT, true), withBos(bos, ints(r.get(1).get("tokens"))), c.name() + " prompt");
            assertArrayEquals(tokenizer.encode(TEXT, true), withBos(bos, ints(r.get(2).get("tokens"))), c.name() + " text");
        }
    }

    private static int[] withBos(int bos, int[] tokens) {
        int[] out = new int[tokens.length + 1];
        out[0] = bos;
        System.arraycopy(tokens, 0, out, 1, tokens.length);
        return out;
    }

    @Test
    void f32GreedyContinuationAndLogProbsMatch() {
        int[] prompt = tokenizer.encode(PROMPT, true);
        for (String name : List.of("dense-f32", "uniform-f32", "deci-f32")) {
            Greedy lopper = greedy(cases.get(name).lopper(), prompt, CONTINUATION);
            JsonNode g = results(name).get(3);
            assertArrayEquals(lopper.tokens(), ints(g.get("tokens")), name + ": greedy continuation ("
                    + tokenizer.decode(lopper.tokens()) + " | " + tokenizer.decode(ints(g.get("tokens"))) + ")");
            double[] theirs = doubles(g.get("logprobs"));
            double worst = 0;
            for (int i = 0; i < CONTINUATION; i++) {
                assertEquals(lopper.logprobs()[i], theirs[i], 1e-3, name + ": log-probability of token " + i);
                worst = Math.max(worst, Math.abs(lopper.logprobs()[i] - theirs[i]));
            }
            double[] lopperText = score(cases.get(name).lopper(), tokenizer.encode(TEXT, true));
            double[] theirText = doubles(results(name).get(4).get("logprobs"));
            assertEquals(lopperText.length, theirText.length);
            for (int i = 0; i < theirText.length; i++) {
                assertEquals(lopperText[i], theirText[i], 1e-3, name + ": teacher-forced log-probability " + i);
                worst = Math.max(worst, Math.abs(lopperText[i] - theirText[i]));
            }
            System.out.printf("llama.cpp vs Lopper, %s: %d greedy tokens identical, max |Δ log p| %.2e over %d log-probabilities%n",
                    name, CONTINUATION, worst, CONTINUATION + theirText.length);
        }
    }

    @Test
    void q8GreedyAgreesFor16TokensAndPerplexityWithinOnePercent() {
        int[] prompt = tokenizer.encode(PROMPT, true);
        int[] text = tokenizer.encode(TEXT, true);
        for (String name : List.of("dense-q8_0", "deci-q8_0")) {
            LlamaModel dequantised = cases.get(name).lopper();
            int[] lopper = Arrays.copyOf(greedy(dequantised, prompt, 16).tokens(), 16);
            int[] theirs = Arrays.copyOf(ints(results(name).get(3).get("tokens")), 16);
            assertArrayEquals(lopper, theirs, name + ": first 16 greedy tokens");
            double ours = Math.exp(-Arrays.stream(score(dequantised, text)).sum() / (text.length - 1));
            JsonNode s = results(name).get(4);
            double theirPpl = Math.exp(s.get("nll").asDouble() / s.get("predicted").asInt());
            assertEquals(1.0, theirPpl / ours, 0.01, name + ": perplexity llama.cpp " + theirPpl + " vs Lopper " + ours);
            int same = 0;
            int[] all = greedy(dequantised, prompt, CONTINUATION).tokens(), theirAll = ints(results(name).get(3).get("tokens"));
            while (same < CONTINUATION && all[same] == theirAll[same]) same++;
            System.out.printf("llama.cpp vs Lopper (dequantised), %s: first %d of %d greedy tokens agree, ppl %.4f vs %.4f (%+.3f%%)%n",
                    name, same, CONTINUATION, theirPpl, ours, 100 * (theirPpl / ours - 1));
        }
    }
}
