package dev.lopper.importance;

import dev.lopper.util.ProgressListener;
import dev.lopper.BadInputException;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.GroupKind;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.*;

class CriteriaTest {
    final LlamaModel model = TestModels.uneven(6, false, false, DType.F32);

    @Test
    void unknownNameListsTheValidOnes() {
        BadInputException e = assertThrows(BadInputException.class, () -> Criteria.create("wanda"));
        assertTrue(e.getMessage().contains("'wanda'"), e.getMessage());
        for (String name : Criteria.NAMES) assertTrue(e.getMessage().contains(name), e.getMessage());
        assertThrows(BadInputException.class, () -> Criteria.create("l1", new Criteria.Options(0, true)));
    }

    @Test
    void everyNameIsRegisteredAndDeclaresWhatItNeeds() {
        for (String name : Criteria.NAMES) assertEquals(name, Criteria.create(name).name());
        assertEquals(EnumSet.noneOf(Statistic.class), Criteria.create("random").needs());
        assertEquals(EnumSet.noneOf(Statistic.class), Criteria.create("l2").needs());
        assertEquals(EnumSet.of(Statistic.ACTIVATIONS), Criteria.create("wanda-sp").needs());
        assertEquals(EnumSet.of(Statistic.GRADIENTS), Criteria.create("taylor-vector").needs());
        assertEquals(EnumSet.of(Statistic.GRADIENTS, Statistic.FISHER),
                Criteria.create("taylor-element", new Criteria.Options(0, true)).needs());
    }

    @Test
    void randomIsReproducibleBySeed() {
        Scores a = Criteria.create("random", new Criteria.Options(17, false)).score(model, Statistics.NONE);
        Scores b = Criteria.create("random", new Criteria.Options(17, false)).score(model, Statistics.NONE);
        Scores c = Criteria.create("random", new Criteria.Options(18, false)).score(model, Statistics.NONE);
        assertArrayEquals(a.attention(), b.attention());
        assertArrayEquals(a.mlp(), b.mlp());
        assertFalse(java.util.Arrays.deepEquals(a.mlp(), c.mlp()));
        assertEquals(2, a.attention()[0].length);
        assertEquals(7, a.mlp()[1].length);
    }

    @Test
    void missingStatisticsAreAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Criteria.create("taylor-element").score(model, Statistics.NONE));
        assertTrue(e.getMessage().contains("GRADIENTS"), e.getMessage());
    }

    @Test
    void llmPrunerPresetScoresLayersFourToNMinusTwo() {
        var shapes = java.util.Collections.nCopies(32, new dev.lopper.model.LayerShape(4, 2, 4, 8));
        TaylorStats.Options o = LlmPrunerPreset.taylorOptions(model.config().withLayers(shapes), false);
        assertEquals(4, o.fromLayer());
        assertEquals(30, o.toLayer());
        assertFalse(o.secondOrder());
        // Shallower: the same proportions (4/32 and 2/32 of the layers, at least one each).
        TaylorStats.Options twelve = LlmPrunerPreset.taylorOptions(model.config().withLayers(shapes.subList(0, 12)), false);
        assertEquals(2, twelve.fromLayer());
        assertEquals(11, twelve.toLayer());
        TaylorStats.Options tiny = LlmPrunerPreset.taylorOptions(model.config(), true);
        assertEquals(0, tiny.fromLayer(), "a 2-layer model is scored whole");
        assertEquals(2, tiny.toLayer());
        assertEquals("taylor-element", LlmPrunerPreset.criterion(false).name());
    }

    @Test
    void calibrateThenScoreWithTaylorOverALayerRange() {
        Transformer t = new Transformer(model);
        CalibrationData data = CalibrationData.random(TestModels.tokens(1, 400, model.config().vocabSize()), 3, 8, 2);
        Criterion crit = Criteria.create("taylor-element", new Criteria.Options(0, true));
        TaylorStats.Options range = new TaylorStats.Options(1, 2, true, true, false, 0);
        Statistics stats = Calibrator.collect(t, data, crit.needs(), range, 2, ProgressListener.NONE);
        assertNull(stats.activations(), "no activation pass for a gradient criterion");
        assertTrue(stats.taylor().options().secondOrder(), "FISHER in needs turns second order on");
        Scores s = crit.score(model, stats);
        assertEquals("taylor-element (second order)", s.criterion());
        for (double v : s.attention()[0]) assertEquals(Double.POSITIVE_INFINITY, v, "layer outside the range is kept");
        assertArrayEquals(stats.taylor().mix(1, GroupKind.MLP), s.mlp()[1]);
        Scores vector = Criteria.create("taylor-vector").score(model, stats);
        assertArrayEquals(stats.taylor().vector(1, GroupKind.ATTENTION), vector.attention()[1]);
        // first-order-only statistics cannot serve the second-order criterion
        Statistics first = Calibrator.collect(t, data, EnumSet.of(Statistic.GRADIENTS), range, 2, ProgressListener.NONE);
        assertThrows(IllegalStateException.class, () -> crit.score(model, first));
    }
}
