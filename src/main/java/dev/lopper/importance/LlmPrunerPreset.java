package dev.lopper.importance;

import dev.lopper.calib.TaylorStats;
import dev.lopper.model.ModelConfig;

/**
 * LLM-Pruner's setting (METHODS.md): taylor-element, first order by default, 10 calibration
 * windows of 64 tokens, only layers [4, n−2) scored and pruned (at one uniform rate, chosen by
 * allocation); the other layers untouched.
 */
public final class LlmPrunerPreset {
    public static final int WINDOWS = 10;
    public static final int LENGTH = 64;
    public static final int FIRST_LAYER = 4;
    /** Layers at the end left untouched. */
    public static final int LAST_LAYERS_KEPT = 2;

    private LlmPrunerPreset() {}

    /** Scored layers [4, n−2), clamped to the model (empty for models of 6 layers or fewer). */
    public static TaylorStats.Options taylorOptions(ModelConfig c, boolean secondOrder) {
        int n = c.numLayers();
        int from = Math.min(FIRST_LAYER, n);
        int to = Math.max(from, n - LAST_LAYERS_KEPT);
        return new TaylorStats.Options(from, to, true, true, secondOrder, 0);
    }

    public static Criterion criterion(boolean secondOrder) {
        return Criteria.create("taylor-element", new Criteria.Options(0, secondOrder));
    }
}
