package dev.lopper.allocation.search;

import dev.lopper.BadInputException;
import dev.lopper.allocation.AllocationFixtures;
import dev.lopper.allocation.FixedRatesAllocator;
import dev.lopper.allocation.LayerRange;
import dev.lopper.allocation.Modules;
import dev.lopper.allocation.RateFile;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Target;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The genome repair: exact budget, bounds, and a rate file that reproduces the same counts. */
class SearchSpaceTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");

    @TempDir
    Path tmp;

    /** 16 layers of three shapes (group sizes 2 and 4, MLP widths 64, 48, 40). */
    static ModelConfig mixed() {
        return AllocationFixtures.config(false);
    }

    static ModelConfig fixture() {
        return Checkpoints.load(MODEL).config();
    }

    static long largestGroup(ModelConfig c, Target t) {
        return AllocationFixtures.largestGroup(c, t);
    }

    /** The smallest group the target can remove, from Groups (independent of SearchSpace's own bookkeeping). */
    static long smallestGroup(ModelConfig c, Target t) {
        long min = Long.MAX_VALUE;
        for (int l = t.range().start(); l < t.range().end(); l++) {
            if (t.modules().attention()) min = Math.min(min, Groups.attentionGroup(c, l));
            if (t.modules().mlp()) min = Math.min(min, Groups.mlpChannel(c, l));
        }
        return min;
    }

    private void checkRandomRepairs(ModelConfig c, Target t, double lo, double hi, long seed) throws Exception {
        SearchSpace space = new SearchSpace(c, t, lo, hi);
        SplittableRandom rnd = new SplittableRandom(seed);
        double goal = t.fraction() * Groups.total(c);
        int fine = 0, trials = 200;
        for (int trial = 0; trial < trials; trial++) {
            double[] raw = new double[c.numLayers()];
            for (int l = 0; l < raw.length; l++) raw[l] = rnd.nextDouble() * 1.4 - 0.2;
            Candidate cand = space.repair(raw).candidate();
            // Budget, by RemovalCounts' own parameter count: within one group of the goal, and
            // nearly always within one of the smallest groups (an MLP channel).
            long removed = cand.counts().removedParameters(c);
            assertTrue(Math.abs(removed - goal) <= largestGroup(c, t),
                    "removed " + removed + " vs goal " + goal + " for " + Arrays.toString(raw));
            if (Math.abs(removed - goal) <= smallestGroup(c, t)) fine++;
            for (int l = 0; l < raw.length; l++) {
                double r = cand.rates()[l];
                if (!t.range().contains(l)) {
                    assertEquals(0.0, r, "layer outside the range");
                    continue;
                }
                assertTrue(r >= lo - 0.5 / 4 && r <= hi + 0.5 / 4, "rate " + r + " of layer " + l + " far outside bounds");
                assertTrue(cand.counts().attention()[l] < c.layer(l).kvHeads(), "attention emptied");
                assertTrue(cand.counts().mlp()[l] < c.layer(l).intermediate(), "MLP emptied");
                if (!t.modules().attention()) assertEquals(0, cand.counts().attention()[l]);
                if (!t.modules().mlp()) assertEquals(0, cand.counts().mlp()[l]);
            }
            // Round trip through the rate file that --allocation file reads.
            Path f = tmp.resolve("rates-" + trial + ".json");
            RunFolder.writeJson(f, cand.rates());
            double[] back = RateFile.read(f, c.numLayers());
            RemovalCounts again = FixedRatesAllocator.fromFile(f, c.numLayers()).allocate(c, t);
            assertArrayEquals(cand.rates(), back);
            assertArrayEquals(cand.counts().attention(), again.attention());
            assertArrayEquals(cand.counts().mlp(), again.mlp());
            assertEquals(cand.key(), space.repair(raw).candidate().key(), "deterministic");
        }
        assertTrue(fine >= 0.9 * trials, fine + " of " + trials + " within the smallest group");
    }

    @Test
    void repairMeetsTheBudgetWithinOneGroupAndRoundTripsThroughARateFile() throws Exception {
        ModelConfig c = fixture();
        for (double target : new double[]{0.1, 0.3, 0.45})
            checkRandomRepairs(c, Target.of(target, c), 0, 0.8, (long) (target * 100));
        checkRandomRepairs(c, Target.of(0.5, c), 0, 0.87, 7);
    }

    @Test
    void repairOnUnevenLayersRangesAndModules() throws Exception {
        ModelConfig c = mixed();
        checkRandomRepairs(c, Target.of(0.3, c), 0, 0.8, 1);
        checkRandomRepairs(c, Target.of(0.2, c).withRange(new LayerRange(4, 14)), 0.05, 0.7, 2);
        checkRandomRepairs(c, Target.of(0.15, c).withModules(Modules.MLP), 0, 0.8, 3);
        checkRandomRepairs(c, Target.of(0.1, c).withModules(Modules.ATTENTION), 0, 0.8, 4);
    }

    @Test
    void uniformGenomeHasEqualRatesUpToRounding() {
        ModelConfig c = fixture();
        SearchSpace space = new SearchSpace(c, Target.of(0.3, c), 0, 0.8);
        Candidate u = space.uniform();
        double[] r = u.rates();
        for (double v : r) assertEquals(r[0], v, 2.0 / c.layer(0).intermediate() + 0.25, Arrays.toString(r));
    }

    @Test
    void aTargetTheBoundsCannotMeetIsBadInput() {
        ModelConfig c = fixture();
        // 50% of all parameters is ~83% of every layer of this model (its embeddings are 40% of it).
        BadInputException e = assertThrows(BadInputException.class, () -> new SearchSpace(c, Target.of(0.5, c), 0, 0.8));
        assertTrue(e.getMessage().contains("max rate"), e.getMessage());
        BadInputException low = assertThrows(BadInputException.class, () -> new SearchSpace(c, Target.of(0.1, c), 0.5, 0.8));
        assertTrue(low.getMessage().contains("min rate"), low.getMessage());
        assertThrows(BadInputException.class, () -> new SearchSpace(c, Target.of(0.1, c), 0.5, 0.2));
    }

    @Test
    void nonFiniteRatesAreRefused() {
        ModelConfig c = fixture();
        SearchSpace space = new SearchSpace(c, Target.of(0.3, c), 0, 0.8);
        double[] r = new double[c.numLayers()];
        r[2] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> space.repair(r));
        assertThrows(IllegalArgumentException.class, () -> space.repair(new double[3]));
    }

    @Test
    void gaOperatorsAreReproducibleAndMovePreservesTheBudget() {
        ModelConfig c = fixture();
        SearchSpace space = new SearchSpace(c, Target.of(0.3, c), 0, 0.8);
        GaOperator ga = new GaOperator();
        List<Operator.Proposal> a = ga.initial(5, space, new SplittableRandom(3));
        List<Operator.Proposal> b = ga.initial(5, space, new SplittableRandom(3));
        for (int i = 0; i < 5; i++) assertArrayEquals(a.get(i).rates(), b.get(i).rates());
        // The move mutation keeps the parameter-weighted sum of rates (before repair).
        double[] parent = space.uniform().rates();
        SplittableRandom rnd = new SplittableRandom(11);
        int moves = 0;
        for (int i = 0; i < 50; i++) {
            Operator.Proposal p = GaOperator.mutate(parent, 0, space, rnd);
            if (!p.origin().contains("move")) continue;
            moves++;
            double before = 0, after = 0;
            for (int l = 0; l < parent.length; l++) {
                before += parent[l] * space.weight(l);
                after += p.rates()[l] * space.weight(l);
            }
            assertEquals(before, after, 1e-6 * before);
        }
        assertTrue(moves > 10);
    }

    @Test
    void rateFileOfTheWrongLengthIsBadInput() throws Exception {
        Path f = tmp.resolve("short.json");
        Files.writeString(f, "[0.1, 0.2, 0.3]");
        BadInputException e = assertThrows(BadInputException.class, () -> RateFile.read(f, 8));
        assertTrue(e.getMessage().contains("short.json") && e.getMessage().contains("8 layers"), e.getMessage());
    }
}
