package dev.lopper.eval;

/** Mean of per-example values and its standard error, computed as lm-eval does (sample stddev / sqrt(n)). */
record MeanWithError(double mean, double stderr) {
    static MeanWithError of(double[] values) {
        int n = values.length;
        if (n == 0) return new MeanWithError(Double.NaN, Double.NaN);
        double sum = 0;
        for (double v : values) sum += v;
        double mean = sum / n;
        if (n < 2) return new MeanWithError(mean, Double.NaN);
        double squares = 0;
        for (double v : values) squares += (v - mean) * (v - mean);
        return new MeanWithError(mean, Math.sqrt(squares / (n - 1)) / Math.sqrt(n));
    }
}
