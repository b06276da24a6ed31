package dev.lopper.importance;

import dev.lopper.util.ProgressListener;
import dev.lopper.BadInputException;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.model.GroupKind;
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

    /** The seed's SplittableRandom stream, layer by layer, attention groups then MLP channels. */
    @Test
    void randomScoresAreTheSeedsStreamLayerByLayer() {
        Scores a = Criteria.create("random", new Criteria.Options(17, false)).score(ScoringContext.of(model, Statistics.NONE));
        Scores c = Criteria.create("random", new Criteria.Options(18, false)).score(ScoringContext.of(model, Statistics.NONE));
        java.util.SplittableRandom r = new java.util.SplittableRandom(17);
        for (int l = 0; l < a.attention().length; l++) {
            for (double v : a.attention()[l]) assertEquals(r.nextDouble(), v, 0, "layer " + l + " attention");
            for (double v : a.mlp()[l]) assertEquals(r.nextDouble(), v, 0, "layer " + l + " MLP");
        }
        assertFalse(java.util.Arrays.deepEquals(a.mlp(), c.mlp()));
        assertEquals(2, a.attention()[0].length);
        assertEquals(7, a.mlp()[1].length);
    }

    @Test
    void missingStatisticsAreAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Criteria.create("taylor-element").score(ScoringContext.of(model, Statistics.NONE)));
        assertTrue(e.getMessage().contains("GRADIENTS"), e.getMessage());
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
        Scores s = crit.score(ScoringContext.of(model, stats));
        assertEquals("taylor-element (second order)", s.criterion());
        for (double v : s.attention()[0]) assertEquals(Double.POSITIVE_INFINITY, v, "layer outside the range is kept");
        assertArrayEquals(stats.taylor().mix(1, GroupKind.MLP), s.mlp()[1]);
        Scores vector = Criteria.create("taylor-vector").score(ScoringContext.of(model, stats));
        assertArrayEquals(stats.taylor().vector(1, GroupKind.ATTENTION), vector.attention()[1]);
        // first-order-only statistics cannot serve the second-order criterion
        Statistics first = Calibrator.collect(t, data, EnumSet.of(Statistic.GRADIENTS), range, 2, ProgressListener.NONE);
        assertThrows(IllegalStateException.class, () -> crit.score(ScoringContext.of(model, first)));
    }
}
