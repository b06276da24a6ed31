package dev.lopper.importance;

import dev.lopper.allocation.LayerRange;
import dev.lopper.calib.TaylorStats;
import dev.lopper.model.ModelConfig;

/**
 * LLM-Pruner's setting (METHODS.md): taylor-element, first order by default, 10 calibration
 * windows of 64 tokens, only layers [4, n−2) scored and pruned (at one uniform rate, chosen by
 * allocation); the other layers untouched. Below 32 layers the range keeps the same proportions
 * ({@link LayerRange#llmPruner}).
 */
public final class LlmPrunerPreset {
    public static final int WINDOWS = 10;
    public static final int LENGTH = 64;

    private LlmPrunerPreset() {}

    /** Scored layers: {@link LayerRange#llmPruner}. */
    public static TaylorStats.Options taylorOptions(ModelConfig c, boolean secondOrder) {
        LayerRange r = LayerRange.llmPruner(c.numLayers());
        return new TaylorStats.Options(r.start(), r.end(), true, true, secondOrder, 0);
    }

    public static Criterion criterion(boolean secondOrder) {
        return Criteria.create("taylor-element", new Criteria.Options(0, secondOrder));
    }
}
