package dev.lopper.importance;

/**
 * LLM-Pruner's setting (docs/METHODS.md "Method presets"): taylor-element, first order by default, 10 calibration
 * windows of 64 tokens, only layers [4, n−2) scored and pruned (at one uniform rate, chosen by
 * allocation); the other layers untouched; below 32 layers the range keeps the same proportions
 * ({@code LayerRange.llmPruner}). {@code PruneOptions.preset("llm-pruner")} uses these
 * (PresetsTest checks what it prunes).
 */
public final class LlmPrunerPreset {
    public static final int WINDOWS = 10;
    public static final int LENGTH = 64;

    private LlmPrunerPreset() {}
}
