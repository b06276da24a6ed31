package dev.lopper.importance;

import dev.lopper.calib.ActivationStats;
import dev.lopper.model.ForwardHook.Site;
import dev.lopper.model.LlamaModel;
import dev.lopper.surgery.BiasCompensation;
import dev.lopper.surgery.KeepPlan;

/**
 * FLAP's bias compensation of removed o_proj / down_proj input columns. (Its per-(layer, module)
 * standardisation for one global threshold is {@code FlapGlobalAllocator}'s.)
 */
public final class Flap {
    private Flap() {}

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
