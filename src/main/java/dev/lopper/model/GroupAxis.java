package dev.lopper.model;

import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.Parallel;

/**
 * The group layout, one table for every family: how the weights of one parameter tensor split
 * into prunable groups (docs/ARCHITECTURE.md "The group table"): along rows (q/k/v, gate/up) or columns
 * (o_proj, down_proj, and 1-row bias vectors), {@code width} consecutive rows or columns per
 * group, group j owning {@link #indices} [j·width, (j+1)·width). An attention group j owns q rows
 * and o_proj columns of its query heads [j·g, (j+1)·g) (width g·headDim) and k/v rows of kv head
 * j (width headDim); an MLP channel c owns row c of gate/up (BLOOM: dense_h_to_4h) and column c
 * of down_proj. What derives from it: the reduction of statistics ({@link #reduce}), group
 * masks ({@link Masks}, over the columns of {@link #output}), surgery's slicing, group
 * parameter counts ({@link #groupParameters}) and the column criteria.
 */
public record GroupAxis(GroupKind kind, boolean byRow, int width) {

    /** Elementwise salience of weight value {@code w} at flat index {@code i} of its tensor. */
    @FunctionalInterface
    public interface Salience {
        double of(float w, int i);
    }

    /**
     * The axis of {@code p} in a layer of shape {@code s}, or null when the tensor belongs to no
     * group (norms, o_proj/down_proj biases, which act on the residual stream).
     */
    public static GroupAxis of(Param p, LayerShape s) {
        int d = s.headDim(), g = s.groupSize();
        return switch (p) {
            case Q -> new GroupAxis(GroupKind.ATTENTION, true, d * g);
            case K, V -> new GroupAxis(GroupKind.ATTENTION, true, d);
            case O, BQ -> new GroupAxis(GroupKind.ATTENTION, false, d * g);
            case BK, BV -> new GroupAxis(GroupKind.ATTENTION, false, d);
            case GATE, UP -> new GroupAxis(GroupKind.MLP, true, 1);
            case DOWN, BGATE, BUP -> new GroupAxis(GroupKind.MLP, false, 1);
            default -> null;
        };
    }

    /**
     * Indices of the rows (or columns) of this axis that the kept groups own, in order: group j
     * owns [j·width, (j+1)·width). Surgery slices with these.
     */
    public int[] indices(int[] keptGroups) {
        int[] idx = new int[keptGroups.length * width];
        for (int i = 0; i < keptGroups.length; i++)
            for (int t = 0; t < width; t++) idx[i * width + t] = keptGroups[i] * width + t;
        return idx;
    }

    /** Parameters of tensor {@code p} (shape from the config) in one group: width rows or width columns. */
    public long parameters(Param p, ModelConfig c, LayerShape s) {
        return byRow ? (long) width * p.cols(c, s) : (long) p.rows(c, s) * width;
    }

    /** Parameters of one group of {@code kind} in layer {@code layer}: the sum over its member tensors. */
    public static long groupParameters(GroupKind kind, ModelConfig c, int layer) {
        LayerShape s = c.layer(layer);
        if (kind == GroupKind.ATTENTION && s.kvHeads() == 0) return 0;    // no group to measure
        long n = 0;
        for (Param p : c.layerParams()) {
            GroupAxis a = of(p, s);
            if (a != null && a.kind == kind) n += a.parameters(p, c, s);
        }
        return n;
    }

    /**
     * The axis of {@code kind}'s output projection in a layer of shape {@code s}: its columns are
     * what one group's mask value scales ({@link Masks}) and what the column criteria sum.
     */
    public static GroupAxis output(GroupKind kind, LayerShape s) {
        return of(kind.output(), s);
    }

    /** Number of groups of this kind in a layer of shape {@code s}. */
    public static int groups(GroupKind kind, LayerShape s) {
        return kind == GroupKind.ATTENTION ? s.kvHeads() : s.intermediate();
    }

    /**
     * Adds, per group, Σ|salience| into {@code abs} and Σ salience into {@code signed} (either
     * may be null) over all weights of {@code w} in that group. Sums are taken in double.
     */
    public void reduce(Matrix w, Salience sal, double[] abs, double[] signed) {
        int rows = w.rows(), cols = w.cols();
        if (byRow) {
            double[] rowAbs = new double[rows], rowSigned = new double[rows];
            Parallel.forRange(rows, 4, (from, to) -> {
                float[] buf = new float[cols];
                for (int r = from; r < to; r++) {
                    w.readRow(r, buf, 0);
                    int base = r * cols;
                    double a = 0, sg = 0;
                    for (int c = 0; c < cols; c++) {
                        double s = sal.of(buf[c], base + c);
                        a += Math.abs(s);
                        sg += s;
                    }
                    rowAbs[r] = a;
                    rowSigned[r] = sg;
                }
            });
            fold(rowAbs, rowSigned, abs, signed);
        } else {
            double[] colAbs = new double[cols], colSigned = new double[cols];
            Parallel.forRange(cols, 64, (from, to) -> {
                float[] buf = new float[to - from];
                for (int r = 0; r < rows; r++) {
                    int base = r * cols;
                    w.read(base + from, buf, 0, to - from);
                    for (int c = from; c < to; c++) {
                        double s = sal.of(buf[c - from], base + c);
                        colAbs[c] += Math.abs(s);
                        colSigned[c] += s;
                    }
                }
            });
            fold(colAbs, colSigned, abs, signed);
        }
    }

    private void fold(double[] lineAbs, double[] lineSigned, double[] abs, double[] signed) {
        for (int i = 0; i < lineAbs.length; i++) {
            if (abs != null) abs[i / width] += lineAbs[i];
            if (signed != null) signed[i / width] += lineSigned[i];
        }
    }
}
