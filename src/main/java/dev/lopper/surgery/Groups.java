package dev.lopper.surgery;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;

/**
 * Parameter counts of the prunable groups (docs/ARCHITECTURE.md, "The group table"). Budgets are in
 * parameters, so allocation and reports all count through here.
 *
 * <p>An attention group of a layer is one kv head with its {@code g} query heads: {@code g·d}
 * rows of q_proj, {@code d} rows each of k_proj and v_proj, {@code g·d} input columns of
 * o_proj, plus the q/k/v bias entries when present. The o_proj bias belongs to no group (it is
 * indexed by the hidden size). An MLP channel is one row of gate_proj and up_proj and one column
 * of down_proj, plus its gate/up bias entries when present (BLOOM's GELU MLP has no gate).
 * The counts are sums over the group layout ({@link GroupAxis}), whatever the family.
 */
public final class Groups {
    private Groups() {}

    /** Parameters of one attention group of layer {@code layer}; 0 when the layer has no heads. */
    public static long attentionGroup(ModelConfig c, int layer) {
        return GroupAxis.groupParameters(GroupKind.ATTENTION, c, layer);
    }

    /** Parameters of one MLP channel of layer {@code layer} (the same in every layer). */
    public static long mlpChannel(ModelConfig c, int layer) {
        return GroupAxis.groupParameters(GroupKind.MLP, c, layer);
    }

    /** Parameters in all attention groups of a layer. */
    public static long attentionParameters(ModelConfig c, int layer) {
        return c.layer(layer).kvHeads() * attentionGroup(c, layer);
    }

    /** Parameters in all MLP channels of a layer. */
    public static long mlpParameters(ModelConfig c, int layer) {
        return c.layer(layer).intermediate() * mlpChannel(c, layer);
    }

    /** Parameters that belong to some prunable group, over all layers. */
    public static long prunable(ModelConfig c) {
        long n = 0;
        for (int l = 0; l < c.numLayers(); l++) n += attentionParameters(c, l) + mlpParameters(c, l);
        return n;
    }

    /** All parameters of the architecture, embeddings and LM head included (tied ones once). */
    public static long total(ModelConfig c) {
        return c.parameterCount();
    }

    /** All stored parameters of a model (tied embeddings once). */
    public static long total(LlamaModel m) {
        return m.parameterCount();
    }
}
