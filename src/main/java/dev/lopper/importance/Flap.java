package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LlamaModel;
import dev.lopper.surgery.BiasCompensation;
import dev.lopper.surgery.KeepPlan;

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
     * The plan with FLAP's bias compensation for every layer: what the removed o_proj and
     * down_proj input columns contributed on average, Δb = W[:,P]·mean(x_P), from the
     * calibration means (applied by {@link BiasCompensation}).
     */
    public static KeepPlan compensate(KeepPlan plan, LlamaModel model, ActivationStats act) {
        int n = plan.layers();
        float[][] o = new float[n][], down = new float[n][];
        for (int l = 0; l < n; l++) {
            o[l] = toFloat(act.mean(l, Site.O_IN));
            down[l] = toFloat(act.mean(l, Site.DOWN_IN));
        }
        return BiasCompensation.withMeans(model, plan, o, down);
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
