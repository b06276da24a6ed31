package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.model.ModelConfig;

/**
 * What a run asks of allocation. {@code fraction} is the share of ALL the model's parameters to
 * remove — embeddings, LM head and norms included in the denominator, although only attention
 * groups and MLP channels can be removed — so "20%" means the pruned model has 80% of the
 * dense model's parameter count, as LLM-Pruner and FLAP report it.
 *
 * @param allowEmptyLayers when false, every pruned layer keeps at least one attention group and
 *                         one MLP channel of each kind it had; when true a block may vanish
 */
public record Target(double fraction, Modules modules, LayerRange range, boolean allowEmptyLayers) {

    public Target {
        if (!(fraction >= 0 && fraction < 1))
            throw new BadInputException("pruning ratio " + fraction + " is outside [0, 1)");
        if (modules == null) throw new BadInputException("no modules to prune given");
        if (range == null) throw new BadInputException("no layer range given");
    }

    /** Target over every layer, both modules, no empty layers. */
    public static Target of(double fraction, ModelConfig c) {
        return new Target(fraction, Modules.BOTH, LayerRange.all(c.numLayers()), false);
    }

    public Target withRange(LayerRange r) {
        return new Target(fraction, modules, r, allowEmptyLayers);
    }

    public Target withModules(Modules m) {
        return new Target(fraction, m, range, allowEmptyLayers);
    }

    public Target withAllowEmptyLayers(boolean allow) {
        return new Target(fraction, modules, range, allow);
    }

    /** Throws when the target does not fit the model (the layer range). */
    public void check(ModelConfig c) {
        range.check(c.numLayers());
    }
}
