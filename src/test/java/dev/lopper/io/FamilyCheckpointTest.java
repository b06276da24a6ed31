package dev.lopper.io;

import dev.lopper.importance.ScoringContext;
import dev.lopper.model.CausalLM;
import dev.lopper.model.Pass;
import dev.lopper.BadInputException;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.UniformAllocator;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.Statistics;
import dev.lopper.importance.Criteria;
import dev.lopper.importance.Criterion;
import dev.lopper.model.AlibiHeads;
import dev.lopper.model.BlockOps;
import dev.lopper.model.Family;
import dev.lopper.model.GradientSink;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * BLOOM and Baichuan checkpoints in HF's own naming and packing: loaded logits against a
 * plain-loop double-precision forward written in {@link HfFamilyFixture}, re-packing on save,
 * pruning round trips, gradients of the packed tensors against finite differences, and the
 * config quirks and bad inputs.
 */
class FamilyCheckpointTest {
    @TempDir
    Path tmp;

    private static final int[] TOKENS = {1, 5, 9, 3, 17, 2, 11, 30, 7, 4, 22, 8};

    private static void assertLogits(HfFamilyFixture f, LlamaModel m, boolean rope) {
        double[][] ref = f.logits(TOKENS, rope);
        float[] got = new Transformer(m).logits(TOKENS, 1, TOKENS.length, Pass.plain());
        int vocab = f.vocab;
        double max = 0;
        for (int i = 0; i < TOKENS.length; i++)
            for (int t = 0; t < vocab; t++) max = Math.max(max, Math.abs(ref[i][t] - got[i * vocab + t]));
        assertTrue(max < 2e-4, "max |logit − reference| = " + max);
    }

    @Test
    void alibiSlopesFor8And12Heads() {
        // 8 heads: 2^-1 .. 2^-8; 12 heads: those of 8, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5
        double[] s8 = AlibiHeads.slopes(8), s12 = AlibiHeads.slopes(12);
        for (int i = 0; i < 8; i++) {
            assertEquals(Math.pow(2, -(i + 1)), s8[i], 1e-15);
            assertEquals(Math.pow(2, -(i + 1)), s12[i], 1e-15);
        }
        for (int i = 0; i < 4; i++) assertEquals(Math.pow(2, -0.5 - i), s12[8 + i], 1e-15);
        assertArrayEquals(HfFamilyFixture.hfSlopes(12), s12, 1e-15);
        assertArrayEquals(HfFamilyFixture.hfSlopes(6), AlibiHeads.slopes(6), 1e-15);
    }

    @Test
    void bloom8HeadsWithTransformerPrefixMatchesReference() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.bloom(1, 32, 8, 2, 40, true, false);
        LlamaModel m = Checkpoints.load(f.write(tmp.resolve("bloom")));
        assertEquals(Family.BLOOM.ops(), m.config().ops());
        assertSame(Family.BLOOM, m.config().family());
        assertLogits(f, m, false);
    }

    @Test
    void bloom12HeadsNEmbedNoPrefixMatchesReference() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.bloom(2, 48, 12, 2, 40, false, true);
        LlamaModel m = Checkpoints.load(f.write(tmp.resolve("bloom")));
        assertEquals(48, m.config().hiddenSize());
        assertLogits(f, m, false);
    }

    @Test
    void baichuan13bAlibiNormHeadMatchesReference() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.baichuan(3, false, 32, 8, 2, 24, 40, true);
        LlamaModel m = Checkpoints.load(f.write(tmp.resolve("baichuan")));
        assertEquals(BlockOps.Position.ALIBI, m.config().ops().position(), "hidden size 32 ≠ 4096: ALiBi");
        assertTrue(m.config().ops().normHead());
        assertLogits(f, m, false);
    }

    @Test
    void baichuan7bRopeWithInvFreqBuffersMatchesReference() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.baichuan(4, true, 32, 4, 2, 24, 40, false);
        LlamaModel m = Checkpoints.load(f.write(tmp.resolve("baichuan")));
        assertEquals(BlockOps.Position.ROPE, m.config().ops().position());
        assertLogits(f, m, true);
    }

    @Test
    void explicitPositionOverridesTheRule() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.baichuan(5, false, 32, 8, 1, 24, 40, false);
        Path dir = f.write(tmp.resolve("baichuan"));
        LlamaModel m = Checkpoints.load(dir, new LoadOptions(BlockOps.Position.ROPE));
        assertEquals(BlockOps.Position.ROPE, m.config().ops().position());
        assertLogits(f, m, true);
        // and the choice is saved, so the folder loads back the same without the option
        Checkpoints.saveHf(m, tmp.resolve("saved"), false);
        assertEquals(BlockOps.Position.ROPE, Checkpoints.load(tmp.resolve("saved")).config().ops().position());
    }

    @Test
    void cachedGenerationMatchesTheFullForwardWithAlibi() throws IOException {
        for (HfFamilyFixture f : List.of(HfFamilyFixture.bloom(15, 32, 8, 2, 40, true, false),
                HfFamilyFixture.baichuan(16, false, 32, 8, 2, 24, 40, false))) {
            LlamaModel m = Checkpoints.load(f.write(tmp.resolve("cache-" + f.bloom)));
            Transformer t = new Transformer(m);
            float[] full = t.logits(TOKENS, 1, TOKENS.length, Pass.plain());
            CausalLM.KvCache cache = t.newCache(TOKENS.length);
            float[] first = t.forward(cache, java.util.Arrays.copyOf(TOKENS, 5), true, Pass.plain());   // a chunk, then one at a time
            for (int i = 0; i < 5 * f.vocab; i++) assertEquals(full[i], first[i], 1e-4, "prefill logit " + i);
            for (int pos = 5; pos < TOKENS.length; pos++) {
                float[] step = t.forward(cache, new int[]{TOKENS[pos]}, false, Pass.plain());
                for (int v = 0; v < f.vocab; v++) assertEquals(full[pos * f.vocab + v], step[v], 1e-4, "position " + pos);
            }
        }
    }

    @Test
    void savingRepacksFusedTensorsExactly() throws IOException {
        for (HfFamilyFixture f : List.of(HfFamilyFixture.bloom(6, 32, 8, 2, 40, true, false),
                HfFamilyFixture.baichuan(7, false, 32, 8, 2, 24, 40, false))) {
            Path in = f.write(tmp.resolve("in-" + f.bloom));
            Path out = tmp.resolve("out-" + f.bloom);
            Checkpoints.saveHf(Checkpoints.load(in), out, false);
            SafeTensorsFile saved = SafeTensorsFile.open(out.resolve("model.safetensors"));
            for (var e : f.tensors.entrySet()) {
                if (e.getKey().contains("inv_freq")) continue;
                assertNotNull(saved.info(e.getKey()), e.getKey() + " missing after save");
                assertArrayEquals(e.getValue(), saved.tensor(e.getKey()).toFloats(), e.getKey());
            }
            assertEquals(f.bloom ? "BloomForCausalLM" : "BaichuanForCausalLM",
                    HfConfig.read(out.resolve("config.json")).architecture());
        }
    }

    @Test
    void pruning30PercentRoundTrips() throws IOException {
        for (HfFamilyFixture f : List.of(HfFamilyFixture.bloom(8, 32, 8, 2, 40, true, false),
                HfFamilyFixture.baichuan(9, false, 32, 8, 2, 24, 40, true))) {
            LlamaModel dense = Checkpoints.load(f.write(tmp.resolve("dense-" + f.bloom)));
            ModelConfig c = dense.config();
            // gradient statistics through the family's ops, then the real allocation and selection
            Criterion crit = Criteria.create("taylor-element");
            int[] corpus = new Random(1).ints(400, 0, f.vocab).toArray();
            Statistics stats = Calibrator.collect(new Transformer(dense), CalibrationData.random(corpus, 4, 16, 1),
                    crit.needs(), null, 2, ProgressListener.NONE);
            RemovalCounts counts = new UniformAllocator().allocate(c, Target.of(0.3, c));
            KeepPlan plan = Selection.select(crit.score(ScoringContext.of(dense, stats)), counts);
            LlamaModel pruned = Surgery.apply(dense, plan);
            double removed = 1 - (double) pruned.parameterCount() / dense.parameterCount();
            assertEquals(0.3, removed, 0.06, "fraction of parameters removed");

            Path out = tmp.resolve("pruned-" + f.bloom);
            Checkpoints.saveHf(pruned, out, false);
            LlamaModel back = Checkpoints.load(out);
            assertEquals(pruned.config().layers(), back.config().layers());
            assertEquals(pruned.parameterCount(), back.parameterCount());
            float[] masked = new Transformer(dense).logits(TOKENS, 1, TOKENS.length, Pass.masked(Surgery.toMasks(c, plan)));
            float[] reloaded = new Transformer(back).logits(TOKENS, 1, TOKENS.length, Pass.plain());
            for (int i = 0; i < masked.length; i++) assertEquals(masked[i], reloaded[i], 1e-4, "logit " + i);
        }
    }

    /** Keeps the Q, K, V gradients of layer 0. */
    private static final class QkvSink implements GradientSink {
        final Map<Param, float[]> grads = new HashMap<>();

        @Override public boolean wants(int layer, Param p) {
            return layer == 0 && (p == Param.Q || p == Param.K || p == Param.V || p == Param.BQ || p == Param.BK || p == Param.BV);
        }

        @Override public void accept(int layer, Param p, Matrix w, float[] g) { grads.put(p, g.clone()); }
    }

    @Test
    void packedProjectionGradientsMatchFiniteDifferencesOfTheFile() throws IOException {
        for (HfFamilyFixture f : List.of(HfFamilyFixture.bloom(10, 16, 4, 1, 20, false, false),
                HfFamilyFixture.baichuan(11, false, 16, 4, 1, 12, 20, false))) {
            String name = f.bloom ? "h.0.self_attention.query_key_value.weight" : "model.layers.0.self_attn.W_pack.weight";
            Path dir = f.write(tmp.resolve("fd-" + f.bloom));
            LlamaModel m = Checkpoints.load(dir);
            int[] tok = java.util.Arrays.copyOf(TOKENS, 8);
            for (int i = 0; i < tok.length; i++) tok[i] %= f.vocab;
            QkvSink sink = new QkvSink();
            new Transformer(m).backward(tok, 1, tok.length, Pass.plain().keepingActivations(), sink);
            // the packed gradient, assembled through the layout's split
            HfLayout.Entry e = HfLayout.entries(m.config(), "").stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            int[][] split = e.split(m.config());
            int cols = f.hidden;
            float[] packed = new float[3 * f.hidden * cols];
            for (int p = 0; p < 3; p++) {
                float[] g = sink.grads.get(e.parts().get(p));
                for (int r = 0; r < split[p].length; r++) System.arraycopy(g, r * cols, packed, split[p][r] * cols, cols);
            }
            float[] w = f.tensors.get(name);
            Random rnd = new Random(3);
            for (int trial = 0; trial < 6; trial++) {
                int i = rnd.nextInt(w.length);
                float old = w[i], h = 1e-2f;
                double[] at = new double[4];
                float[] steps = {h, -h, h / 2, -h / 2};
                for (int s = 0; s < 4; s++) {
                    w[i] = old + steps[s];
                    LlamaModel pm = Checkpoints.load(f.write(tmp.resolve("fd-" + f.bloom + "-" + trial + "-" + s)));
                    at[s] = new Transformer(pm).loss(tok, 1, tok.length, Pass.plain()).mean();
                }
                w[i] = old;
                double d1 = (at[0] - at[1]) / (2 * h), d2 = (at[2] - at[3]) / h;
                double fd = (4 * d2 - d1) / 3;
                double an = packed[i];
                assertTrue(Math.abs(fd - an) < 2e-4 + 2e-3 * Math.abs(fd), name + "[" + i + "]: fd " + fd + " vs backward " + an);
            }
        }
    }

    // ------------------------------------------------------------------ bad input

    /** Loading {@code dir} after replacing {@code from} by {@code to} in its config.json fails naming {@code expected}. */
    private static void assertConfigRefused(Path dir, String from, String to, String expected) throws IOException {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace(from, to));
        assertRefused(dir, expected);
    }

    private static void assertRefused(Path dir, String... expected) {
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.load(dir));
        for (String x : expected) assertTrue(e.getMessage().contains(x), e.getMessage());
    }

    @Test
    void unknownArchitectureIsRefused() throws IOException {
        Path dir = HfFamilyFixture.bloom(12, 16, 4, 1, 20, false, false).write(tmp.resolve("m"));
        assertConfigRefused(dir, "BloomForCausalLM", "FalconForCausalLM", "FalconForCausalLM");
    }

    @Test
    void fusedTensorThatDoesNotSplitIntoHeadsIsRefused() throws IOException {
        HfFamilyFixture f = HfFamilyFixture.baichuan(13, false, 16, 4, 1, 12, 20, false);
        f.tensors.put("model.layers.0.self_attn.W_pack.weight", new float[40 * 16]);
        f.shapes.put("model.layers.0.self_attn.W_pack.weight", new long[]{40, 16});
        assertRefused(f.write(tmp.resolve("m")), "W_pack", "does not split");
    }

    @Test
    void alibiModelWithRopeScalingIsRefused() throws IOException {
        Path dir = HfFamilyFixture.bloom(14, 16, 4, 1, 20, false, false).write(tmp.resolve("m"));
        assertConfigRefused(dir, "\"n_layer\"", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}, \"n_layer\"", "ALiBi");
    }
}
