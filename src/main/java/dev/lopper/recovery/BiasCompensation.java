package dev.lopper.recovery;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import dev.lopper.tensor.Matrix;

/**
 * FLAP's bias compensation as the special case of the re-fit ({@link LeastSquares}) that frees
 * only the constant input: the kept columns stay, and the bias absorbs what the removed input
 * columns P of o_proj / down_proj contributed on average, b' = b + W[:,P]·mean(x_P) (ridge 0).
 * The means come from the calibration's activation statistics (one-shot moments Σx and n).
 */
public final class BiasCompensation {
    private BiasCompensation() {}

    /** The plan with FLAP's bias deltas for every layer, from the dense model's calibration statistics. */
    public static KeepPlan fromStats(KeepPlan plan, LlamaModel dense, ActivationStats act) {
        int n = plan.layers();
        float[][] o = new float[n][], down = new float[n][];
        for (int l = 0; l < n; l++) {
            o[l] = toFloat(act.mean(l, Site.O_IN));
            down[l] = toFloat(act.mean(l, Site.DOWN_IN));
        }
        return withMeans(dense, plan, o, down);
    }

    /**
     * The plan with bias deltas added.
     *
     * @param oInputMeans    per layer, the mean of each o_proj input column (heads·headDim of the
     *                       dense model); null to leave attention uncompensated
     * @param downInputMeans per layer, the mean of each down_proj input (intermediate of the
     *                       dense model); null to leave the MLP uncompensated
     */
    public static KeepPlan withMeans(LlamaModel dense, KeepPlan plan, float[][] oInputMeans, float[][] downInputMeans) {
        ModelConfig c = dense.config();
        Surgery.toMasks(c, plan);     // checks the plan against the model
        int n = c.numLayers();
        float[][] dO = oInputMeans == null ? null : new float[n][];
        float[][] dDown = downInputMeans == null ? null : new float[n][];
        for (int l = 0; l < n; l++) {
            if (dO != null) dO[l] = delta(dense, l, GroupKind.ATTENTION, plan.keptKvHeads()[l], oInputMeans[l]);
            if (dDown != null) dDown[l] = delta(dense, l, GroupKind.MLP, plan.keptChannels()[l], downInputMeans[l]);
        }
        return new KeepPlan(plan.keptKvHeads(), plan.keptChannels(), dO, dDown);
    }

    /** b' − b of the bias-only fit of one consumer: W[:,P]·mean(x_P) over the removed columns P. */
    static float[] delta(LlamaModel dense, int l, GroupKind kind, int[] keptGroups, float[] means) {
        String what = (kind == GroupKind.ATTENTION ? "o_proj" : "down_proj");
        Matrix w = kind.output().of(dense, l), b = Reconstruction.biasOf(kind).of(dense, l);
        if (means == null || means.length != w.cols())
            throw new IllegalArgumentException(what + " input means of layer " + l + " have "
                    + (means == null ? "no" : String.valueOf(means.length)) + " entries, expected " + w.cols());
        int[] kept = GroupAxis.groups(kind, dense.config().layer(l)) == 0 ? new int[0]
                : GroupAxis.output(kind, dense.config().layer(l)).indices(keptGroups);
        double[] sums = new double[means.length];
        for (int i = 0; i < sums.length; i++) sums[i] = means[i];
        Moments mo = Moments.ofSums(sums, 1, kept);      // the means as sums over one token
        double[] target = Reconstruction.target(w, b);
        int out = w.rows();
        double[] current = new double[out], fixed = new double[out * kept.length];
        for (int o = 0; o < out; o++) {
            current[o] = target[o * (w.cols() + 1) + w.cols()];
            for (int k = 0; k < kept.length; k++) fixed[o * kept.length + k] = target[o * (w.cols() + 1) + kept[k]];
        }
        double[] fitted = LeastSquares.solve(target, current, fixed, mo, 0, "layer " + l + " " + what);
        float[] d = new float[out];
        for (int o = 0; o < out; o++) d[o] = (float) (fitted[o] - current[o]);
        return d;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
