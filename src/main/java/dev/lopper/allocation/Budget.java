package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The removable pieces of a model under a target: one item per (layer in range, enabled module)
 * with its number of groups, how many of them may go (all, or all but one when layers must not
 * be emptied) and the parameters per group; plus the number of parameters to remove.
 * Shared by the allocators so they all meet the target the same way.
 */
final class Budget {
    /** One (layer, module) pair: {@code n} groups of {@code size} parameters, at most {@code cap} removable. */
    record Item(int layer, boolean attention, int n, int cap, long size) {
        String describe() {
            return "layer " + layer + (attention ? " attention (" + n + " groups)" : " MLP (" + n + " channels)");
        }
    }

    final ModelConfig config;
    final Target target;
    final List<Item> items = new ArrayList<>();
    /** Parameters to remove: fraction × all parameters. */
    final double goal;

    Budget(ModelConfig config, Target target) {
        target.check(config);
        this.config = config;
        this.target = target;
        this.goal = target.fraction() * Groups.total(config);
        for (int l = target.range().start(); l < target.range().end(); l++) {
            int kv = config.layer(l).kvHeads(), f = config.layer(l).intermediate();
            if (target.modules().attention() && kv > 0)
                items.add(new Item(l, true, kv, cap(kv), Groups.attentionGroup(config, l)));
            if (target.modules().mlp() && f > 0)
                items.add(new Item(l, false, f, cap(f), Groups.mlpChannel(config, l)));
        }
    }

    private int cap(int n) {
        return target.allowEmptyLayers() ? n : n - 1;
    }

    /** Parameters of the given layer's enabled modules (the weight of its rate). */
    double layerParameters(int layer) {
        double p = 0;
        for (Item it : items) if (it.layer == layer) p += (double) it.n * it.size;
        return p;
    }

    /**
     * Whole group counts close to the fractional {@code ideal} counts (one per item) that remove
     * the goal to within one group. Counts are first floored (and capped), then the items furthest
     * below their ideal get one more group each until the goal is reached; an item that would
     * overshoot by more than the remaining shortfall is skipped, so a smaller one can finish.
     * What a capped item cannot take moves to the others.
     */
    RemovalCounts round(double[] ideal) {
        int m = items.size();
        int[] c = new int[m];
        double left = goal;
        for (int i = 0; i < m; i++) {
            c[i] = (int) Math.min(Math.floor(ideal[i]), items.get(i).cap);
            left -= (double) c[i] * items.get(i).size;
        }
        Comparator<Integer> furthestBelow = Comparator
                .comparingDouble((Integer i) -> c[i] - ideal[i])
                .thenComparingInt(i -> i);
        PriorityQueue<Integer> queue = new PriorityQueue<>(Math.max(1, m), furthestBelow);
        for (int i = 0; i < m; i++) if (c[i] < items.get(i).cap) queue.add(i);
        while (left > 0 && !queue.isEmpty()) {
            int i = queue.poll();
            long size = items.get(i).size;
            if (size <= left || size - left < left) {
                c[i]++;
                left -= size;
                if (c[i] < items.get(i).cap) queue.add(i);
            }
        }
        boolean full = true;
        for (int i = 0; i < m; i++) full &= c[i] == items.get(i).cap;
        if (left > 0 && full && !withinHalfGroup(left)) throw unreachable(ideal);
        return counts(c);
    }

    /** True when a shortfall is below half of the smallest group: nearer to the goal cannot be had. */
    boolean withinHalfGroup(double shortfall) {
        long smallest = Long.MAX_VALUE;
        for (Item it : items) smallest = Math.min(smallest, it.size);
        return items.isEmpty() ? shortfall <= 0 : shortfall <= smallest / 2.0;
    }

    /** Per-layer counts from per-item counts. */
    RemovalCounts counts(int[] perItem) {
        int[] att = new int[config.numLayers()], mlp = new int[config.numLayers()];
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            if (it.attention) att[it.layer] = perItem[i];
            else mlp[it.layer] = perItem[i];
        }
        return new RemovalCounts(att, mlp);
    }

    /**
     * The error for a goal beyond what may be removed. It names the first item whose ideal
     * count would empty it (or the first item that could be emptied), and the option that
     * permits that.
     */
    BadInputException unreachable(double[] ideal) {
        long capacity = 0, all = 0;
        for (Item it : items) {
            capacity += it.cap * it.size;
            all += it.n * it.size;
        }
        String head = String.format("pruning ratio %s asks to remove %.0f of the model's %d parameters "
                        + "(embeddings included), but", target.fraction(), goal, Groups.total(config));
        String where = "layers " + target.range() + " (" + target.modules().name().toLowerCase() + ")";
        if (target.allowEmptyLayers() || capacity == all)
            return new BadInputException(head + " " + where + " hold only " + all + " prunable parameters; "
                    + "lower " + Setting.TARGET.mention() + " or widen " + Setting.LAYERS.mention() + " (0:0 = all layers)");
        Item culprit = null;
        for (int i = 0; i < items.size() && culprit == null; i++)
            if (ideal != null && ideal[i] > items.get(i).cap) culprit = items.get(i);
        for (int i = 0; i < items.size() && culprit == null; i++)
            if (items.get(i).cap < items.get(i).n) culprit = items.get(i);
        return new BadInputException(head + " at most " + capacity + " can go from " + where
                + " without emptying a layer: " + culprit.describe() + " would lose all of them; "
                + Setting.ALLOW_EMPTY_LAYERS.mention() + " permits that, or widen " + Setting.LAYERS.mention()
                + " (0:0 = all layers), or lower " + Setting.TARGET.mention());
    }
}
