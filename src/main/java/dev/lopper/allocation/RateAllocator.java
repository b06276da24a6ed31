package dev.lopper.allocation;

import dev.lopper.model.ModelConfig;

/**
 * An allocator defined by one pruning rate per layer of the range, applied to each enabled
 * module of that layer (the same rate for attention groups and MLP channels). Subclasses give
 * the rates' shape as offsets; the shift that meets the parameter goal is solved here.
 */
abstract class RateAllocator implements Allocator {

    /** Per-layer offsets (indexed by layer, only those in the range are read): higher = prune more. */
    protected abstract double[] offsets(ModelConfig config, Target target);

    /** The per-layer rates that meet the target (0 outside the range), before rounding to whole groups. */
    public double[] rates(ModelConfig config, Target target) {
        return rates(new Budget(config, target));
    }

    private double[] rates(Budget b) {
        LayerRange range = b.target.range();
        double[] all = offsets(b.config, b.target);
        double[] off = new double[range.size()], w = new double[range.size()];
        for (int i = 0; i < off.length; i++) {
            off[i] = all[range.start() + i];
            w[i] = b.layerParameters(range.start() + i);
        }
        double[] r = ShiftedRates.solve(off, w, b.goal);
        double[] out = new double[b.config.numLayers()];
        System.arraycopy(r, 0, out, range.start(), r.length);
        return out;
    }

    @Override
    public RemovalCounts allocate(ModelConfig config, Target target) {
        Budget b = new Budget(config, target);
        double[] rate = rates(b);
        double[] ideal = new double[b.items.size()];
        for (int i = 0; i < ideal.length; i++) {
            Budget.Item it = b.items.get(i);
            ideal[i] = rate[it.layer()] * it.n();
        }
        return b.round(ideal);
    }
}
