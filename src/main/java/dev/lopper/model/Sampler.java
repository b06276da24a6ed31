package dev.lopper.model;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: greedy (temperature 0), or sampling at a temperature with
 * nucleus (top-p) truncation. Seeded, so a run can be repeated.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private final Random random;

    public Sampler(float temperature, float topP, long seed) {
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topP <= 0 || topP > 1) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topP = topP;
        this.random = new Random(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0f, 1f, 0);
    }

    public int sample(float[] logits, int off, int vocab) {
        if (temperature == 0f) return argmax(logits, off, vocab);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[off + i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = null;
        int n = vocab;
        if (topP < 1f) {      // keep the smallest set of most likely tokens whose mass reaches top-p
            order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) order[i] = i;
            double[] pp = p;
            Arrays.sort(order, (a, b) -> Double.compare(pp[b], pp[a]));
            double mass = 0;
            for (n = 0; n < vocab; ) {
                mass += p[order[n++]] / sum;
                if (mass >= topP) break;
            }
            sum = 0;
            for (int i = 0; i < n; i++) sum += p[order[i]];
        }
        double r = random.nextDouble() * sum;
        for (int i = 0; i < n; i++) {
            int id = order == null ? i : order[i];
            r -= p[id];
            if (r <= 0) return id;
        }
        return order == null ? vocab - 1 : order[n - 1];
    }

    public static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
        return best;
    }
}
