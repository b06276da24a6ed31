package dev.lopper.surgery;

import dev.lopper.BadInputException;
import dev.lopper.model.ModelConfig;

/** Checks that a {@link KeepPlan} fits a model: one entry per layer, sorted indices in range. */
final class PlanCheck {
    private PlanCheck() {}

    static void against(ModelConfig c, KeepPlan plan) {
        int n = c.numLayers();
        if (plan.keptKvHeads().length != n || plan.keptChannels().length != n)
            throw new BadInputException("keep plan covers " + plan.keptKvHeads().length + " layers but the model has " + n);
        for (int l = 0; l < n; l++) {
            indices(plan.keptKvHeads()[l], c.layer(l).kvHeads(), l, "kv heads");
            indices(plan.keptChannels()[l], c.layer(l).intermediate(), l, "MLP channels");
        }
        deltas(plan.oBiasDelta(), c, "o_proj");
        deltas(plan.downBiasDelta(), c, "down_proj");
    }

    private static void indices(int[] kept, int available, int layer, String what) {
        if (kept == null) throw new BadInputException("keep plan has no kept " + what + " for layer " + layer);
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= available)
                throw new BadInputException("keep plan keeps " + what + " " + kept[i] + " in layer " + layer
                        + ", which has " + available);
            if (i > 0 && kept[i] <= kept[i - 1])
                throw new BadInputException("keep plan's kept " + what + " of layer " + layer
                        + " are not strictly ascending");
        }
    }

    private static void deltas(float[][] d, ModelConfig c, String what) {
        if (d == null) return;
        if (d.length != c.numLayers())
            throw new BadInputException("keep plan has " + what + " bias deltas for " + d.length + " layers but the model has "
                    + c.numLayers());
        for (int l = 0; l < d.length; l++)
            if (d[l] != null && d[l].length != c.hiddenSize())
                throw new BadInputException("keep plan's " + what + " bias delta of layer " + l + " has " + d[l].length
                        + " entries, not the hidden size " + c.hiddenSize());
    }
}
