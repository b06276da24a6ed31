package dev.lopper.calib;

import dev.lopper.util.ProgressListener;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.CausalLM;

import java.util.EnumSet;
import java.util.Set;

/**
 * Runs only the calibration passes a set of {@link Statistic}s needs: a batched forward for
 * activations, one backward for first-order gradients, per-window backwards for the Fisher.
 */
public final class Calibrator {
    private Calibrator() {}

    /**
     * @param batch  windows per forward call for activation statistics
     * @param taylor which groups gradient statistics cover; its secondOrder flag is overridden
     *               by whether {@code needs} contains FISHER. May be null when no gradients are needed.
     */
    public static Statistics collect(CausalLM t, CalibrationData data, Set<Statistic> needs,
                                     TaylorStats.Options taylor, int batch, ProgressListener progress) {
        ActivationStats act = null;
        if (needs.contains(Statistic.ACTIVATIONS)) {
            act = ActivationStats.collect(t, data, batch, EnumSet.allOf(ForwardHook.Site.class), progress);
        }
        TaylorStats grads = null;
        if (needs.contains(Statistic.GRADIENTS) || needs.contains(Statistic.FISHER)) {
            TaylorStats.Options o = taylor == null ? TaylorStats.Options.all(t.config()) : taylor;
            grads = TaylorStats.collect(t, data, o.withSecondOrder(needs.contains(Statistic.FISHER)), progress);
        }
        return new Statistics(act, grads);
    }
}
