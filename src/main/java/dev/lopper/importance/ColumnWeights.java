package dev.lopper.importance;

import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.Parallel;

/**
 * Per input column j of a weight W [out, in]: Σ_i |W_ij| and Σ_i W_ij² (double), read in row
 * slices so any storage dtype works without widening the whole matrix.
 */
record ColumnWeights(double[] absSum, double[] squareSum, int rows) {

    static ColumnWeights of(Matrix w) {
        int rows = w.rows(), cols = w.cols();
        double[] abs = new double[cols], sq = new double[cols];
        Parallel.forRange(cols, 64, (from, to) -> {
            float[] buf = new float[to - from];
            for (int r = 0; r < rows; r++) {
                w.read((long) r * cols + from, buf, 0, to - from);
                for (int c = from; c < to; c++) {
                    double v = buf[c - from];
                    abs[c] += Math.abs(v);
                    sq[c] += v * v;
                }
            }
        });
        return new ColumnWeights(abs, sq, rows);
    }

    /** mean_i |W_ij| */
    double meanAbs(int j) { return absSum[j] / rows; }
}
