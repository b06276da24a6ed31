package dev.lopper.util;

/**
 * The one standardisation of a score vector, z = (x − mean) / σ, in the two spreads Lopper's
 * callers use (they differ on purpose and each keeps its bits):
 * <ul>
 * <li>{@link #sample}: σ with n − 1 (Bessel), as {@code torch.std}: FLAP's global threshold
 * compares scores standardised so ({@code allocation/FlapGlobalAllocator});</li>
 * <li>{@link #population}: σ with n: HyWIA's fusion standardises each unit's blend so (in place,
 * and it needs σ for the derivative, {@code importance/FusionTrainer}).</li>
 * </ul>
 * σ = 0 (all values equal, or n = 1) gives z = x − mean: no scaling, only centring. The mean and
 * the sum of squares are accumulated in double, in index order.
 */
public final class ZScores {
    private ZScores() {}

    /** Which denominator σ² has. */
    public enum Spread {
        /** Σ(x − mean)² / n. */
        POPULATION,
        /** Σ(x − mean)² / (n − 1); 0 when n = 1. */
        SAMPLE
    }

    /** A new array of z-scores with the sample σ (n − 1). */
    public static double[] sample(double[] x) {
        double[] out = new double[x.length];
        standardise(x, out, Spread.SAMPLE);
        return out;
    }

    /** Standardises {@code x} in place with the population σ (n) and returns σ. */
    public static double population(double[] x) {
        return standardise(x, x, Spread.POPULATION);
    }

    /** Writes the z-scores of {@code x} into {@code out} (which may be {@code x}) and returns σ. */
    public static double standardise(double[] x, double[] out, Spread spread) {
        int n = x.length;
        double mean = 0;
        for (double v : x) mean += v;
        mean /= n;
        double ss = 0;
        for (double v : x) ss += (v - mean) * (v - mean);
        double sigma = spread == Spread.POPULATION ? Math.sqrt(ss / n) : n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
        for (int i = 0; i < n; i++) out[i] = sigma > 0 ? (x[i] - mean) / sigma : x[i] - mean;
        return sigma;
    }
}
