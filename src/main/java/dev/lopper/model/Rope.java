package dev.lopper.model;

/**
 * Rotary position embedding in the HF "rotate_half" layout: within a head of size d, element i
 * (i < d/2) is rotated together with element i + d/2 by angle pos·θ_i, θ_i = base^(−2i/d).
 * Supports Llama 3 and linear frequency scaling.
 */
final class Rope {
    private final int half;
    private final float[] cos;
    private final float[] sin;
    private final int maxPos;

    Rope(int headDim, int maxPositions, double theta, RopeScaling scaling) {
        this.half = headDim / 2;
        this.maxPos = maxPositions;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        if (scaling != null) scale(inv, scaling);
        cos = new float[maxPositions * half];
        sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double a = p * inv[i];
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
    }

    /** Adjusts inverse frequencies as HF's rope_scaling types do. */
    private static void scale(double[] inv, RopeScaling s) {
        switch (s.type()) {
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) inv[i] /= s.factor();
            }
            case "llama3" -> {
                double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
                double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) {
                        inv[i] /= s.factor();
                    } else if (wavelen >= highWavelen) {
                        double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                                / (s.highFreqFactor() - s.lowFreqFactor());
                        inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
                    }
                }
            }
            case "freqs" -> {
                if (s.freqFactors().length != inv.length)
                    throw new IllegalArgumentException(s.freqFactors().length + " rope frequency factors for " + inv.length + " pairs");
                for (int i = 0; i < inv.length; i++) inv[i] /= s.freqFactors()[i];
            }
            default -> throw new IllegalArgumentException("unsupported rope_scaling type " + s.type());
        }
    }

    int maxPositions() { return maxPos; }

    /** Rotates each head of x[off .. off + heads·2·half) in place for position pos; inverse rotates back (backward). */
    void apply(float[] x, int off, int heads, int pos, boolean inverse) {
        int base = pos * half;
        float sign = inverse ? -1f : 1f;
        for (int h = 0; h < heads; h++) {
            int o = off + h * 2 * half;
            for (int i = 0; i < half; i++) {
                float c = cos[base + i], s = sign * sin[base + i];
                float a = x[o + i], b = x[o + i + half];
                x[o + i] = a * c - b * s;
                x[o + i + half] = b * c + a * s;
            }
        }
    }
}
