package dev.lopper.allocation;

import dev.lopper.model.ModelConfig;

/**
 * The same pruning rate in every layer of the range (LLM-Pruner's allocation when the range is
 * {@link LayerRange#llmPruner}). Rounding to whole groups moves a few groups between layers so
 * the global goal is met; a layer that may not be emptied passes its share on.
 */
public final class UniformAllocator extends RateAllocator {
    @Override
    public String name() { return "uniform"; }

    @Override
    protected double[] offsets(ModelConfig config, Target target) {
        return new double[config.numLayers()];
    }
}
