package dev.lopper.surgery;

import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.Matrix;

/**
 * FLAP's bias compensation: a removed input column p of o_proj or down_proj is replaced by its
 * mean activation, which is a constant, so its contribution W[:,p]·mean(x_p) moves into the
 * layer's output bias: Δ = W[:,P]·mean(x_P) over the removed columns P.
 */
public final class BiasCompensation {
    private BiasCompensation() {}

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
        PlanCheck.against(c, plan);
        int n = c.numLayers();
        float[][] dO = oInputMeans == null ? null : new float[n][];
        float[][] dDown = downInputMeans == null ? null : new float[n][];
        for (int l = 0; l < n; l++) {
            if (dO != null) {
                int d = c.layer(l).headDim();
                boolean[] kept = new boolean[c.layer(l).qDim()];
                for (int q : Surgery.queryIndices(plan.keptKvHeads()[l], c.layer(l).groupSize(), d)) kept[q] = true;
                dO[l] = delta(dense.layer(l).wo(), kept, oInputMeans[l], l, "o_proj");
            }
            if (dDown != null) {
                boolean[] kept = new boolean[c.layer(l).intermediate()];
                for (int ch : plan.keptChannels()[l]) kept[ch] = true;
                dDown[l] = delta(dense.layer(l).down(), kept, downInputMeans[l], l, "down_proj");
            }
        }
        return new KeepPlan(plan.keptKvHeads(), plan.keptChannels(), dO, dDown);
    }

    /** W[:,P]·mean(x_P) over the columns not kept, summed in double. */
    static float[] delta(Matrix w, boolean[] kept, float[] means, int layer, String what) {
        if (means == null || means.length != w.cols())
            throw new IllegalArgumentException(what + " input means of layer " + layer + " have "
                    + (means == null ? "no" : String.valueOf(means.length)) + " entries, expected " + w.cols());
        float[] row = new float[w.cols()];
        float[] out = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            double s = 0;
            for (int p = 0; p < row.length; p++) if (!kept[p]) s += (double) row[p] * means[p];
            out[r] = (float) s;
        }
        return out;
    }
}
