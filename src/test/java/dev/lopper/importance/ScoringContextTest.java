package dev.lopper.importance;

import dev.lopper.allocation.OutlierRatios;
import dev.lopper.allocation.OwlAllocator;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.UniformAllocator;
import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.importance.hywia.FusionOptions;
import dev.lopper.importance.hywia.HywiaCriterion;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.GroupKind;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The scoring context every criterion receives: statistics computed on first use are those a
 * separate {@link Calibrator} call gives, bit for bit, and are computed once; copies with counts
 * share them; the calibration windows are not asked for until a statistic is; HyWIA reads the
 * counts through it; allocators say what they read.
 */
class ScoringContextTest {
    final LlamaModel model = TestModels.uneven(5, true, false, DType.F32);
    final CalibrationData data =
            CalibrationData.random(TestModels.tokens(8, 500, model.config().vocabSize()), 4, 8, 9);

    private ScoringContext calibrating(AtomicInteger asked) {
        return ScoringContext.builder(model).calibration(() -> {
            asked.incrementAndGet();
            return data;
        }, null, 3).build();
    }

    @Test
    void statisticsComputedOnDemandAreThoseOfACalibratorCallAndComputedOnce() {
        AtomicInteger asked = new AtomicInteger();
        ScoringContext c = calibrating(asked);
        Scores weightsOnly = Criteria.create("l2").score(c);
        assertEquals(0, asked.get(), "a weight-only criterion must not read the calibration windows");

        Statistics reference = Calibrator.collect(new Transformer(model), data,
                EnumSet.of(Statistic.ACTIVATIONS, Statistic.GRADIENTS), null, 3, ProgressListener.NONE);
        ActivationStats act = c.activations("test");
        assertSame(act, c.activations("test"), "computed once, then kept");
        for (int l = 0; l < model.config().numLayers(); l++)
            for (Site s : Site.values())
                assertArrayEquals(reference.activations().l2Norm(l, s), act.l2Norm(l, s), 0.0, l + " " + s);

        TaylorStats first = c.taylor("test", false);
        assertFalse(first.options().secondOrder());
        assertSame(first, c.taylor("test", false));
        for (int l = 0; l < model.config().numLayers(); l++)
            for (GroupKind k : GroupKind.values())
                assertArrayEquals(reference.taylor().element(l, k), first.element(l, k), 0.0, l + " " + k);

        TaylorStats second = c.taylor("test", true);   // first order does not do for second: computed now
        assertTrue(second.options().secondOrder());
        assertSame(second, c.taylor("test", false), "second-order statistics serve first-order askers too");
        assertArrayEquals(weightsOnly.mlp()[0], Criteria.create("l2").score(c).mlp()[0], 0.0);
    }

    @Test
    void collectComputesWhatIsDeclaredInOneGoAndCopiesWithCountsShareIt() {
        AtomicInteger asked = new AtomicInteger();
        ScoringContext c = calibrating(asked);
        c.collect(EnumSet.of(Statistic.ACTIVATIONS, Statistic.GRADIENTS, Statistic.FISHER));
        Statistics s = c.statistics();
        assertNotNull(s.activations());
        assertTrue(s.taylor().options().secondOrder(), "FISHER declared: second order");

        int n = model.config().numLayers();
        ScoringContext counted = c.withCounts(new int[n], new int[n]);
        assertFalse(c.hasCounts());
        assertThrows(IllegalStateException.class, c::removeMlp);
        assertTrue(counted.hasCounts());
        assertSame(s.activations(), counted.activations("test"));
        assertSame(s.taylor(), counted.taylor("test", true));
    }

    @Test
    void withoutCalibrationWindowsAMissingStatisticIsAnError() {
        ScoringContext c = ScoringContext.of(model, Statistics.NONE);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Criteria.create("wanda-sp").score(c));
        assertTrue(e.getMessage().contains("wanda-sp"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> c.taylor("taylor-vector", false));
    }

    @Test
    void hywiaReadsTheCountsThroughTheContextAndReportsItsFusion() {
        HywiaCriterion h = new HywiaCriterion(FusionOptions.DEFAULT.withBlend(FusionOptions.Blend.fixed(0.25)), 0);
        assertTrue(h.readsCounts());
        assertNull(h.heldOut(), "a fixed blend learns nothing: no held-out windows");
        assertNotNull(new HywiaCriterion(FusionOptions.DEFAULT, 0).heldOut(), "the learned blend needs its windows");
        ScoringContext c = calibrating(new AtomicInteger());
        Scores s = h.score(c);
        HywiaCriterion.Fusion f = assertInstanceOf(HywiaCriterion.Fusion.class, s.detail());
        for (double a : f.alphaFine()) assertEquals(0.25, a);
        assertNull(f.learning());
        assertFalse(Criteria.create("taylor-vector").readsCounts());
        assertNull(Criteria.create("taylor-vector").score(c).detail());
    }

    @Test
    void allocatorsSayWhatTheyRead() {
        assertEquals(EnumSet.noneOf(Statistic.class), new UniformAllocator().needs());
        assertEquals(EnumSet.noneOf(Statistic.class), new OwlAllocator(new double[model.config().numLayers()]).needs());
        AtomicInteger asked = new AtomicInteger();
        ScoringContext c = calibrating(asked);
        OwlAllocator measured = OwlAllocator.measured(model, () -> c.activations("owl"));
        assertEquals(EnumSet.of(Statistic.ACTIVATIONS), measured.needs());
        assertEquals(0, asked.get(), "measured when it allocates, not when it is made");
        Target t = Target.of(0.2, model.config());
        double[] ratios = OutlierRatios.compute(model, c.activations("test"), OutlierRatios.DEFAULT_M);
        assertArrayEquals(new OwlAllocator(ratios).rates(model.config(), t), measured.rates(model.config(), t), 0.0);
    }
}
