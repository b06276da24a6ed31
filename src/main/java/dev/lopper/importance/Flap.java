package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.tensor.Matrix;

/**
 * The parts of FLAP around its metric: per-(layer, module) standardisation for one global
 * threshold, and bias compensation of removed o_proj / down_proj input columns.
 */
public final class Flap {
    private Flap() {}

    /**
     * (s − mean)/std within each layer and module, std the sample standard deviation (n−1, as
     * torch's default in FLAP's code). A layer with fewer than two groups, or all scores equal,
     * gets zeros.
     */
    public static Scores standardise(Scores s) {
        return new Scores(s.criterion() + "+standardised", standardise(s.attention()), standardise(s.mlp()));
    }

    private static double[][] standardise(double[][] in) {
        double[][] out = new double[in.length][];
        for (int l = 0; l < in.length; l++) {
            double[] v = in[l];
            out[l] = new double[v.length];
            if (v.length < 2) continue;
            double mean = 0;
            for (double x : v) mean += x;
            mean /= v.length;
            double ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            double std = Math.sqrt(ss / (v.length - 1));
            if (std == 0 || !Double.isFinite(std)) continue;
            for (int i = 0; i < v.length; i++) out[l][i] = (v[i] - mean) / std;
        }
        return out;
    }

    /**
     * Δb = W[:, P] · mean(x_P): what the removed input columns P of {@code w} contributed on
     * average, to be added to that layer's output bias. {@code mean} is per input column.
     */
    public static float[] biasDelta(Matrix w, double[] mean, int[] removedColumns) {
        int rows = w.rows(), cols = w.cols();
        float[] row = new float[cols];
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            w.readRow(r, row, 0);
            double acc = 0;
            for (int c : removedColumns) acc += row[c] * mean[c];
            out[r] = (float) acc;
        }
        return out;
    }

    /**
     * The plan with FLAP's bias compensation for every layer: o_proj from the removed query
     * heads' columns, down_proj from the removed channels. A layer that removes nothing of a
     * module gets null for that module.
     */
    public static KeepPlan compensate(KeepPlan plan, LlamaModel model, ActivationStats act) {
        int n = plan.layers();
        float[][] o = new float[n][], down = new float[n][];
        for (int l = 0; l < n; l++) {
            LayerShape s = model.config().layer(l);
            int[] removedHeads = removed(plan.keptKvHeads()[l], s.kvHeads());
            if (removedHeads.length > 0) {
                int width = s.groupSize() * s.headDim();
                int[] cols = new int[removedHeads.length * width];
                for (int i = 0; i < removedHeads.length; i++)
                    for (int c = 0; c < width; c++) cols[i * width + c] = removedHeads[i] * width + c;
                o[l] = biasDelta(model.layer(l).wo(), act.mean(l, Site.O_IN), cols);
            }
            int[] removedChannels = removed(plan.keptChannels()[l], s.intermediate());
            if (removedChannels.length > 0)
                down[l] = biasDelta(model.layer(l).down(), act.mean(l, Site.DOWN_IN), removedChannels);
        }
        return new KeepPlan(plan.keptKvHeads(), plan.keptChannels(), o, down);
    }

    /** Indices in [0, n) not in {@code kept}. */
    private static int[] removed(int[] kept, int n) {
        boolean[] keep = new boolean[n];
        for (int k : kept) keep[k] = true;
        int count = 0;
        for (boolean b : keep) if (!b) count++;
        int[] out = new int[count];
        for (int i = 0, j = 0; i < n; i++) if (!keep[i]) out[j++] = i;
        return out;
    }
}
