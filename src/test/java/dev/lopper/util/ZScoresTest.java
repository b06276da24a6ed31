package dev.lopper.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ZScoresTest {
    @Test
    void populationAndSampleDifferOnlyInTheDenominator() {
        // {2, 4, 4, 4, 5, 5, 7, 9}: mean 5, Σ(x − mean)² = 32; population σ = 2, sample σ = √(32/7)
        double[] x = {2, 4, 4, 4, 5, 5, 7, 9};
        double[] z = x.clone();
        assertEquals(2.0, ZScores.population(z), 0);
        assertArrayEquals(new double[] {-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2}, z, 1e-15);
        double s = Math.sqrt(32.0 / 7);
        double[] zs = ZScores.sample(x);
        for (int i = 0; i < x.length; i++) assertEquals((x[i] - 5) / s, zs[i], 1e-15);
        assertEquals(2, x[0], 0, "sample() leaves its input alone");
    }

    @Test
    void noSpreadOnlyCentres() {
        double[] one = {42};
        assertEquals(0, ZScores.population(one), 0);
        assertArrayEquals(new double[] {0}, one, 0);
        assertArrayEquals(new double[] {0}, ZScores.sample(new double[] {42}), 0);
        double[] same = {3, 3, 3};
        assertEquals(0, ZScores.standardise(same, same, ZScores.Spread.SAMPLE), 0);
        assertArrayEquals(new double[] {0, 0, 0}, same, 0);
    }
}
