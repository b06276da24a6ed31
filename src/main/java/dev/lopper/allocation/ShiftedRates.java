package dev.lopper.allocation;

/**
 * Per-layer rates of the form clip(s + offset_l, 0, 1) with the shift {@code s} chosen so that
 * the parameter-weighted sum of rates removes the goal: Σ rate_l · weight_l = goal. With equal
 * layer sizes this is "shift so the mean rate hits the target". The sum is monotone in s, so
 * bisection finds it; the count rounding afterwards meets the goal exactly, so the shift only
 * needs to be close.
 */
final class ShiftedRates {
    private ShiftedRates() {}

    static double[] solve(double[] offsets, double[] weights, double goal) {
        double lo = -1, hi = 1;
        for (double o : offsets) {
            lo = Math.min(lo, -1 - Math.abs(o));
            hi = Math.max(hi, 1 + Math.abs(o));
        }
        for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
            double mid = (lo + hi) / 2;
            if (removed(mid, offsets, weights) < goal) lo = mid;
            else hi = mid;
        }
        return rates(hi, offsets);
    }

    private static double removed(double s, double[] offsets, double[] weights) {
        double sum = 0;
        for (int l = 0; l < offsets.length; l++) sum += clip(s + offsets[l]) * weights[l];
        return sum;
    }

    private static double[] rates(double s, double[] offsets) {
        double[] r = new double[offsets.length];
        for (int l = 0; l < r.length; l++) r[l] = clip(s + offsets[l]);
        return r;
    }

    private static double clip(double x) {
        return Math.max(0, Math.min(1, x));
    }
}
