package dev.lopper.allocation.search;

import dev.lopper.allocation.RemovalCounts;

import java.util.Arrays;

/**
 * A repaired genome: per-layer rates that meet the budget and the whole-group counts they round
 * to. Two candidates with the same counts are the same pruned model, so {@link #key} (the counts)
 * keys the fitness cache.
 */
public record Candidate(double[] rates, RemovalCounts counts) {
    public Candidate {
        rates = rates.clone();
    }

    @Override
    public double[] rates() {
        return rates.clone();
    }

    public String key() {
        return "a" + Arrays.toString(counts.attention()) + "m" + Arrays.toString(counts.mlp());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Candidate c && c.key().equals(key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }
}
