package dev.lopper.pipeline;

import dev.lopper.allocation.FlapGlobalAllocator;
import dev.lopper.allocation.LayerRange;
import dev.lopper.allocation.Modules;
import dev.lopper.allocation.OutlierRatios;
import dev.lopper.allocation.OwlAllocator;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.UniformAllocator;
import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.CalibrationTokens;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Transformer;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the method presets and the OWL wiring compute, end to end on the embedded 8-layer model:
 * which layers they prune, with what allocation, and that the counts are the ones the allocator
 * gives on statistics collected here from the same calibration windows.
 */
class PresetsTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");
    static final String CALIB = "README.md";        // any English text
    static LlamaModel dense;
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        dense = Checkpoints.load(MODEL);
        tok = Tokenizers.forModel(MODEL, null);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private static PruneJob.Outcome run(PruneOptions o) {
        return PruneJob.run(MODEL, dense, tok, o, null, ProgressListener.NONE);
    }

    private static PruneOptions calibrated(PruneOptions o, int samples, int length) {
        return o.toBuilder().calibration(CALIB).calibrationSamples(samples).calibrationLength(length).build();
    }

    /** The windows PruneJob draws: twice the tokens it needs from the start of the text, random offsets by seed. */
    private static CalibrationData windows(PruneOptions o) {
        int[] ids = CalibrationTokens.encode(tok, TextCorpus.resolve(CALIB, null).text(),
                2L * o.calibrationSamples() * o.calibrationLength());
        return CalibrationData.random(ids, o.calibrationSamples(), o.calibrationLength(), o.seed());
    }

    @Test
    void llmPrunerPrunesOnlyItsDepthScaledRangeAtOneRateWithTaylorOnTenWindowsOf64() {
        PruneOptions o = calibrated(PruneOptions.preset(Method.LLM_PRUNER, 0.1), 10, 64);
        PruneJob.Outcome out = run(o);
        ModelConfig c = dense.config();
        assertEquals(10, out.calibrationWindows());
        assertEquals(64, out.calibrationLength());
        assertEquals("taylor-element", out.record().options().criterion());
        assertEquals("uniform", out.record().options().allocation());
        // [4, n-2) scaled to 8 layers: [1, 7)
        LayerRange range = LayerRange.llmPruner(c.numLayers());
        assertEquals(new LayerRange(1, 7), range);
        RemovalCounts want = new UniformAllocator().allocate(c, Target.of(0.1, c).withRange(range));
        assertSameCounts(want, out);
        for (int l = 0; l < c.numLayers(); l++) {
            boolean pruned = range.contains(l);
            assertEquals(pruned, out.plan().keptChannels()[l].length < c.layer(l).intermediate(), "layer " + l);
            if (!pruned) assertEquals(c.layer(l).kvHeads(), out.plan().keptKvHeads()[l].length, "layer " + l);
        }
        // the kept channels of a pruned layer are its highest-scored ones
        for (int l = range.start(); l < range.end(); l++) {
            double[] s = out.scores().mlp()[l];
            double minKept = Double.MAX_VALUE, maxRemoved = -Double.MAX_VALUE;
            boolean[] kept = new boolean[s.length];
            for (int ch : out.plan().keptChannels()[l]) kept[ch] = true;
            for (int ch = 0; ch < s.length; ch++) {
                if (kept[ch]) minKept = Math.min(minKept, s[ch]);
                else maxRemoved = Math.max(maxRemoved, s[ch]);
            }
            assertTrue(maxRemoved <= minKept, "layer " + l + ": removed up to " + maxRemoved + ", kept from " + minKept);
        }
    }

    @Test
    void owlAllocatesFromOutlierRatiosOfTheCalibrationActivations() {
        PruneOptions o = calibrated(PruneOptions.preset(Method.CUSTOM, 0.3), 4, 32)
                .toBuilder().allocation(dev.lopper.allocation.AllocationKind.OWL).build();
        PruneJob.Outcome out = run(o);
        ActivationStats act = ActivationStats.collect(new Transformer(dense), windows(o), 32,
                EnumSet.allOf(ForwardHook.Site.class), ProgressListener.NONE);
        ModelConfig c = dense.config();
        double[] ratios = OutlierRatios.compute(dense, act, OutlierRatios.DEFAULT_M);
        RemovalCounts want = new OwlAllocator(ratios).allocate(c, Target.of(0.3, c));
        assertSameCounts(want, out);
        RemovalCounts uniform = new UniformAllocator().allocate(c, Target.of(0.3, c));
        assertFalse(Arrays.equals(uniform.mlp(), out.counts().mlp()), "OWL's rates differ from uniform ones here");
        assertEquals("owl", out.record().options().allocation());
    }

    @Test
    void flapStandardisesGloballyAndCompensatesBiases() {
        PruneJob.Outcome out = preset("flap", 0.3, true);
        ModelConfig c = dense.config();
        RemovalCounts want = new FlapGlobalAllocator(out.scores()).allocate(c, Target.of(0.3, c));
        assertSameCounts(want, out);
        int compensated = 0;
        for (int l = 0; l < c.numLayers(); l++) {
            boolean lostChannels = out.counts().mlp()[l] > 0;
            var b = out.pruned().layer(l).bDown();
            boolean nonZero = false;
            if (b != null) for (float v : b.toFloats()) nonZero |= v != 0;
            assertEquals(lostChannels, nonZero, "layer " + l + ": down_proj bias from the removed channels' mean inputs");
            if (lostChannels) compensated++;
        }
        assertTrue(compensated > 0);
    }

    /** The preset on 4 windows of 32 tokens: its criterion is its name, bias compensation as given. */
    private static PruneJob.Outcome preset(String method, double target, boolean biasCompensation) {
        PruneOptions o = calibrated(PruneOptions.preset(dev.lopper.util.Choices.parse(Method.class, method, "method"), target), 4, 32);
        assertEquals(biasCompensation, o.biasCompensation());
        PruneJob.Outcome out = run(o);
        assertEquals(method, out.record().options().criterion());
        assertEquals(biasCompensation, out.record().options().biasCompensation());
        return out;
    }

    private static void assertSameCounts(RemovalCounts want, PruneJob.Outcome out) {
        assertArrayEquals(want.attention(), out.counts().attention(), "attention groups removed per layer");
        assertArrayEquals(want.mlp(), out.counts().mlp(), "MLP channels removed per layer");
    }

    @Test
    void wandaSpPrunesEveryLayerAtOneUniformRate() {
        PruneJob.Outcome out = preset("wanda-sp", 0.2, false);
        ModelConfig c = dense.config();
        RemovalCounts want = new UniformAllocator().allocate(c, Target.of(0.2, c));
        assertSameCounts(want, out);
        assertEquals(Modules.BOTH.name().toLowerCase(), out.record().options().modules());
    }
}
