package dev.lopper.importance;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;

/** Small helpers shared by criteria: empty score arrays and sums over a group's weights. */
public final class GroupScores {
    private GroupScores() {}

    /** Zero scores of the right shape for every layer of one kind. */
    public static double[][] zeros(ModelConfig c, GroupKind kind) {
        double[][] out = new double[c.numLayers()][];
        for (int l = 0; l < out.length; l++) out[l] = new double[GroupAxis.groups(kind, c.layer(l))];
        return out;
    }

    /**
     * Adds Σ salience(w) over every weight of each group (all tensors of the layer that belong to
     * groups of {@code kind}, biases included) into {@code acc}.
     */
    static void sumOverGroupWeights(LlamaModel m, int layer, GroupKind kind, GroupAxis.Salience sal, double[] acc) {
        for (Param p : Param.values()) {
            if (!p.perLayer) continue;
            GroupAxis axis = GroupAxis.of(p, m.config().layer(layer));
            if (axis == null || axis.kind() != kind) continue;
            var w = p.of(m, layer);
            if (w == null || w.size() == 0) continue;
            axis.reduce(w, sal, acc, null);
        }
    }
}
