package dev.lopper.model;

/**
 * The {@code rope_scaling} block of a HF config. Lopper implements "llama3" (Llama 3.1+) and
 * "linear"; null means plain RoPE. A GGUF's {@code rope_freqs.weight} that Lopper did not write
 * (llama.cpp's per-pair frequency divisors, the form convert_hf_to_gguf.py gives Llama 3.1's
 * scaling) is type "freqs" with {@code freqFactors}: each rotated pair's inverse frequency is
 * divided by its factor, as llama.cpp does.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions, float[] freqFactors) {

    public RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        this(type, factor, lowFreqFactor, highFreqFactor, originalMaxPositions, null);
    }

    /** llama.cpp's per-pair divisors of the inverse frequencies. */
    public static RopeScaling freqs(float[] factors) {
        return new RopeScaling("freqs", 1, 0, 0, 0, factors.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeScaling r && type.equals(r.type) && factor == r.factor && lowFreqFactor == r.lowFreqFactor
                && highFreqFactor == r.highFreqFactor && originalMaxPositions == r.originalMaxPositions
                && java.util.Arrays.equals(freqFactors, r.freqFactors);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(type, factor, lowFreqFactor, highFreqFactor, originalMaxPositions)
                + 31 * java.util.Arrays.hashCode(freqFactors);
    }
}
