package dev.lopper.model;

/**
 * The {@code rope_scaling} block of a HF config. Lopper implements "llama3" (Llama 3.1+) and
 * "linear"; null means plain RoPE.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) {
}
