package dev.lopper.allocation;

import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;

/**
 * The same pruning rate in every layer of the range (LLM-Pruner's allocation when the range is
 * {@link LayerRange#llmPruner}).
 *
 * <p>When the layers of the range all have the same shape, every one of them loses the same
 * number of attention groups and the same number of MLP channels, so they keep equal widths and
 * a whole-model prune is a stock {@code LlamaForCausalLM}. The goal is then met to within half of
 * one MLP channel per layer (or one attention group per layer when only attention is pruned),
 * not to within one group: the remainder is not spread over a few layers.
 * Otherwise (layers of different shapes), rounding to whole groups moves a few groups between
 * layers so the global goal is met to within one group; a layer that may not be emptied passes
 * its share on.
 */
public final class UniformAllocator extends RateAllocator {
    @Override
    public String name() { return "uniform"; }

    @Override
    protected double[] offsets(ModelConfig config, Target target) {
        return new double[config.numLayers()];
    }

    @Override
    public RemovalCounts allocate(ModelConfig config, Target target) {
        Budget b = new Budget(config, target);
        if (!sameShapes(config, target.range()) || b.items.isEmpty()) return super.allocate(config, target);
        LayerRange range = target.range();
        LayerShape shape = config.layer(range.start());
        boolean att = target.modules().attention() && shape.kvHeads() > 0;
        boolean mlp = target.modules().mlp() && shape.intermediate() > 0;
        long sa = att ? b.items.stream().filter(Budget.Item::attention).findFirst().orElseThrow().size() : 0;
        long sm = mlp ? b.items.stream().filter(i -> !i.attention()).findFirst().orElseThrow().size() : 0;
        int capA = att ? cap(shape.kvHeads(), target) : 0, capM = mlp ? cap(shape.intermediate(), target) : 0;
        double perLayer = b.goal / range.size();
        double rate = perLayer / ((att ? shape.kvHeads() * (double) sa : 0) + (mlp ? shape.intermediate() * (double) sm : 0));

        // Attention groups at the uniform rate, rounded; then the MLP count that brings the layer nearest
        // its share; when the MLP may not give that much, attention takes the rest.
        int a = att ? clamp(Math.round(rate * shape.kvHeads()), capA) : 0;
        int m = mlp ? clamp(Math.round((perLayer - a * (double) sa) / sm), capM) : 0;
        if (att && (m == capM || !mlp)) a = clamp(Math.round((perLayer - m * (double) sm) / sa), capA);
        double shortfall = perLayer - a * (double) sa - m * (double) sm;
        boolean full = (!att || a == capA) && (!mlp || m == capM);
        if (full && !b.withinHalfGroup(shortfall * range.size())) {
            double[] ideal = new double[b.items.size()];
            for (int i = 0; i < ideal.length; i++) ideal[i] = rate * b.items.get(i).n();
            throw b.unreachable(ideal);
        }
        int[] perItem = new int[b.items.size()];
        for (int i = 0; i < perItem.length; i++) perItem[i] = b.items.get(i).attention() ? a : m;
        return b.counts(perItem);
    }

    private static int clamp(long count, int cap) {
        return (int) Math.max(0, Math.min(cap, count));
    }

    private static int cap(int n, Target t) {
        return t.allowEmptyLayers() ? n : n - 1;
    }

    /** Whether every layer of the range has the same shape. */
    static boolean sameShapes(ModelConfig c, LayerRange range) {
        for (int l = range.start() + 1; l < range.end(); l++)
            if (!c.layer(l).equals(c.layer(range.start()))) return false;
        return true;
    }
}
