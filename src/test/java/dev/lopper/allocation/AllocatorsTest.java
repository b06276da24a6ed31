package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.importance.Scores;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;
import dev.lopper.util.ZScores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static dev.lopper.allocation.AllocationFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every allocator meets the global parameter target to within one group. */
class AllocatorsTest {

    private static List<Target> targets(ModelConfig c, double fraction) {
        Target all = Target.of(fraction, c);
        return List.of(all,
                all.withRange(LayerRange.llmPruner(c.numLayers())),
                all.withModules(Modules.ATTENTION).withRange(new LayerRange(0, 12)),
                all.withModules(Modules.MLP),
                all.withAllowEmptyLayers(true));
    }

    private static double[] outliers(ModelConfig c) {
        return new Random(8).doubles(c.numLayers(), 0.001, 0.05).toArray();
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.2, 0.5})
    void uniformOwlAndFlapMeetTheTarget(double fraction) {
        for (boolean biases : new boolean[]{false, true}) {
            ModelConfig c = config(biases);
            List<Allocator> allocators = List.of(new UniformAllocator(), new OwlAllocator(outliers(c)),
                    new FlapGlobalAllocator(scores(c, 5)));
            for (Target t : targets(c, fraction)) {
                for (Allocator a : allocators) {
                    if (feasible(c, t)) assertMeets(c, t, a.allocate(c, t));
                    else assertThrows(BadInputException.class, () -> a.allocate(c, t), a.name() + " " + t);
                }
            }
        }
    }

    /** Whether the parameters the target asks for exist in its range and modules (the rest of the test assumes so). */
    private static boolean feasible(ModelConfig c, Target t) {
        long cap = 0;
        for (int l = t.range().start(); l < t.range().end(); l++) {
            int keep = t.allowEmptyLayers() ? 0 : 1;
            if (t.modules().attention()) cap += (c.layer(l).kvHeads() - keep) * Groups.attentionGroup(c, l);
            if (t.modules().mlp()) cap += (c.layer(l).intermediate() - keep) * Groups.mlpChannel(c, l);
        }
        return cap >= t.fraction() * Groups.total(c);
    }

    @Test
    void theTargetsOfTheTestAreMostlyFeasible() {
        ModelConfig c = config(false);
        int ok = 0;
        for (double f : new double[]{0.1, 0.2, 0.5}) for (Target t : targets(c, f)) if (feasible(c, t)) ok++;
        assertTrue(ok >= 12, ok + " feasible targets");
    }

    @Test
    void uniformGivesEveryLayerTheSameRate() {
        ModelConfig c = config(false);
        Target t = Target.of(0.3, c);
        double[] r = new UniformAllocator().rates(c, t);
        for (double x : r) assertEquals(r[0], x, 1e-9);
        // The rate over the prunable parameters is the fraction over all parameters, rescaled.
        assertEquals(0.3 * Groups.total(c) / Groups.prunable(c), r[0], 1e-9);
        RemovalCounts counts = new UniformAllocator().allocate(c, t);
        for (int l = 0; l < c.numLayers(); l++) {
            assertEquals(r[l] * c.layer(l).kvHeads(), counts.attention()[l], 1.0);
            assertEquals(r[l] * c.layer(l).intermediate(), counts.mlp()[l], 1.0);
        }
    }

    @Test
    void llmPrunerRangeLeavesTheOuterLayersAlone() {
        ModelConfig c = config(false);
        Target t = Target.of(0.2, c).withRange(LayerRange.llmPruner(16));
        assertEquals(new LayerRange(2, 15), t.range(), "[4, n-2) of 32 layers, scaled to 16");
        RemovalCounts counts = new UniformAllocator().allocate(c, t);
        for (int l : new int[]{0, 1, 15}) {
            assertEquals(0, counts.attention()[l]);
            assertEquals(0, counts.mlp()[l]);
        }
        assertTrue(counts.mlp()[2] > 0 && counts.mlp()[14] > 0);
    }

    @Test
    void llmPrunerRangeIsAsPublishedFrom32LayersAndScaledBelow() {
        assertEquals(new LayerRange(4, 30), LayerRange.llmPruner(32));
        assertEquals(new LayerRange(4, 78), LayerRange.llmPruner(80));
        assertEquals(new LayerRange(1, 7), LayerRange.llmPruner(8));
        assertEquals(new LayerRange(1, 5), LayerRange.llmPruner(6));
        assertEquals(new LayerRange(1, 4), LayerRange.llmPruner(5));
        assertEquals(new LayerRange(3, 22), LayerRange.llmPruner(24));
        assertEquals(new LayerRange(0, 2), LayerRange.llmPruner(2), "too shallow to leave layers out");
        for (int n = 1; n < 100; n++) {
            LayerRange r = LayerRange.llmPruner(n);
            assertTrue(r.size() > 0 && r.end() <= n, n + " layers: " + r);
            if (n >= 3) assertTrue(r.start() >= 1 && r.end() <= n - 1, n + " layers keep the first and last: " + r);
        }
    }

    /** Layers of one shape (the common case): uniform removes the same count from every layer. */
    @ParameterizedTest
    @ValueSource(doubles = {0.05, 0.1, 0.2, 0.3, 0.5})
    void uniformGivesEqualWidthsWhenTheLayersAreAlike(double fraction) {
        ModelConfig c = config(false).withLayers(java.util.Collections.nCopies(8,
                new dev.lopper.model.LayerShape(8, 4, 4, 96)));
        for (Target t : List.of(Target.of(fraction, c), Target.of(fraction, c).withRange(new LayerRange(1, 7)),
                Target.of(fraction, c).withModules(Modules.MLP), Target.of(fraction, c).withModules(Modules.ATTENTION))) {
            if (!feasible(c, t)) {
                assertThrows(BadInputException.class, () -> new UniformAllocator().allocate(c, t));
                continue;
            }
            RemovalCounts counts = new UniformAllocator().allocate(c, t);
            int l0 = t.range().start();
            for (int l = t.range().start(); l < t.range().end(); l++) {
                assertEquals(counts.attention()[l0], counts.attention()[l], "attention of layer " + l + " " + t);
                assertEquals(counts.mlp()[l0], counts.mlp()[l], "MLP of layer " + l + " " + t);
            }
            // Nearest the goal that equal counts allow: within half a step per layer, the step being one
            // MLP channel (one attention group when only attention is pruned).
            long step = t.modules().mlp() ? Groups.mlpChannel(c, l0) : Groups.attentionGroup(c, l0);
            double goal = t.fraction() * Groups.total(c);
            assertTrue(Math.abs(counts.removedParameters(c) - goal) <= t.range().size() * step / 2.0 + 1e-9,
                    "removed " + counts.removedParameters(c) + " for " + goal + " " + t);
            // ... and attention and MLP lose about the same share (one attention group either way).
            if (t.modules() == Modules.BOTH) {
                double rate = (double) counts.mlp()[l0] / 96;
                assertEquals(rate * 4, counts.attention()[l0], 1.0 + 1e-9, t.toString());
            }
        }
    }

    @Test
    void owlPrunesLayersWithMoreOutliersLess() {
        ModelConfig c = config(false);
        double[] d = outliers(c);
        Target t = Target.of(0.3, c);
        double[] r = new OwlAllocator(d).rates(c, t);
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (int i = 0; i < d.length; i++) {
            lo = Math.min(lo, r[i]);
            hi = Math.max(hi, r[i]);
            for (int j = 0; j < d.length; j++) if (d[i] > d[j]) assertTrue(r[i] <= r[j] + 1e-12);
        }
        assertEquals(2 * OwlAllocator.DEFAULT_LAMBDA, hi - lo, 1e-9, "rates span [0, 2λ] shifted");
        // The parameter-weighted mean of the rates hits the goal.
        double removed = 0;
        for (int l = 0; l < c.numLayers(); l++)
            removed += r[l] * (Groups.attentionParameters(c, l) + Groups.mlpParameters(c, l));
        assertEquals(0.3 * Groups.total(c), removed, 1e-6 * Groups.total(c));
    }

    @Test
    void owlWithEqualOutliersIsUniform() {
        ModelConfig c = config(false);
        double[] d = new double[16];
        java.util.Arrays.fill(d, 0.02);
        Target t = Target.of(0.25, c);
        assertArrayEquals(new UniformAllocator().rates(c, t), new OwlAllocator(d).rates(c, t), 1e-9);
    }

    @Test
    void flapRemovesBelowOneGlobalThresholdOfStandardisedScores() {
        ModelConfig c = config(false);
        Scores s = scores(c, 6);
        Target t = Target.of(0.4, c).withAllowEmptyLayers(true);
        RemovalCounts counts = new FlapGlobalAllocator(s).allocate(c, t);
        assertMeets(c, t, counts);
        double maxRemoved = -Double.MAX_VALUE, minKept = Double.MAX_VALUE;
        for (int l = 0; l < c.numLayers(); l++) {
            for (double[][] kind : List.of(s.attention(), s.mlp())) {
                int remove = kind == s.attention() ? counts.attention()[l] : counts.mlp()[l];
                double[] z = ZScores.sample(kind[l]);
                double[] sorted = z.clone();
                java.util.Arrays.sort(sorted);
                if (remove > 0) maxRemoved = Math.max(maxRemoved, sorted[remove - 1]);
                if (remove < sorted.length) minKept = Math.min(minKept, sorted[remove]);
            }
        }
        assertTrue(maxRemoved <= minKept, "removed up to " + maxRemoved + ", kept from " + minKept);
    }

    @Test
    void flapWeighsAnAttentionGroupByItsParameters() {
        ModelConfig c = config(false);
        Scores s = scores(c, 7);
        // Layer 0's kv head 2 far below everything else: its parameters alone meet a goal of that size.
        s.attention()[0] = new double[]{0, 0, -100, 0};
        for (int l = 0; l < c.numLayers(); l++) if (l != 0) java.util.Arrays.fill(s.attention()[l], 0);
        for (double[] m : s.mlp()) java.util.Arrays.fill(m, 0);
        double fraction = (double) Groups.attentionGroup(c, 0) / Groups.total(c);
        RemovalCounts counts = new FlapGlobalAllocator(s).allocate(c, Target.of(fraction, c));
        assertEquals(1, counts.attention()[0]);
        assertEquals(Groups.attentionGroup(c, 0), counts.removedParameters(c));
    }

    @Test
    void standardisingIsIdempotent() {
        double[] z = ZScores.sample(new double[]{3, 1, 4, 1, 5, 9, 2, 6});
        assertArrayEquals(z, ZScores.sample(z), 1e-12);
    }

    @Test
    void fixedRatesAreAppliedAsGiven() {
        ModelConfig c = config(false);
        double[] rates = new double[16];
        rates[5] = 0.5;
        rates[6] = 0.25;
        RemovalCounts counts = new FixedRatesAllocator(rates).allocate(c, Target.of(0.1, c));
        assertEquals(1, counts.attention()[5]);   // 0.5 x 2 kv heads
        assertEquals(20, counts.mlp()[5]);        // 0.5 x 40 channels
        assertEquals(1, counts.attention()[6]);   // 0.25 x 4
        assertEquals(16, counts.mlp()[6]);        // 0.25 x 64
        assertEquals(0, counts.mlp()[7]);
    }

    @Test
    void zeroTargetRemovesNothing() {
        ModelConfig c = config(false);
        for (Allocator a : List.of(new UniformAllocator(), new OwlAllocator(outliers(c)), new FlapGlobalAllocator(scores(c, 1)))) {
            RemovalCounts counts = a.allocate(c, Target.of(0, c));
            assertEquals(0, counts.removedParameters(c), a.name());
        }
    }
}
