package dev.lopper.allocation;

import dev.lopper.importance.Scores;
import dev.lopper.model.LayerShape;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.util.ZScores;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * FLAP's global allocation against a computation written here: per (layer, module) the mean and
 * the sample standard deviation (n − 1, torch.std's default in FLAP's code) by hand, z-scores, one
 * list of all groups sorted by z, and the lowest removed until their parameters (counted by hand
 * from the shapes) make the goal. Modules hold very different numbers of groups (1 to 300), which
 * is where n versus n − 1 matters: a 2-group module's z-scores are ±0.71 with n − 1 but ±1 with n.
 */
class FlapThresholdTest {
    static final int HIDDEN = 32;
    /** heads, kv heads, head dim, MLP channels; no biases. */
    static final List<LayerShape> SHAPES = List.of(new LayerShape(4, 2, 4, 300), new LayerShape(8, 8, 4, 12),
            new LayerShape(6, 3, 4, 90), new LayerShape(2, 1, 4, 5), new LayerShape(8, 2, 4, 2));

    static ModelConfig config() {
        return ModelConfig.builder(Family.LLAMA)
                .hiddenSize(HIDDEN).vocabSize(100).maxPositions(64).layers(SHAPES).rmsNormEps(1e-5f)
                .ropeTheta(10000f).bosTokenId(1).eosTokenId(2)
                .build();
    }

    /** Parameters of one group, from the shapes: q, k, v rows and o columns of a kv head; gate, up rows and a down column of a channel. */
    static long groupSize(LayerShape s, boolean attention) {
        if (!attention) return 3L * HIDDEN;
        int g = s.heads() / s.kvHeads();
        return (long) HIDDEN * s.headDim() * (g + 1 + 1 + g);
    }

    private record Group(int layer, boolean attention, int index, double z, long size) {}

    /** z-scores per module by hand: population std when {@code population}, else sample std. */
    static List<Group> standardisedByHand(Scores s, boolean population) {
        List<Group> all = new ArrayList<>();
        for (int l = 0; l < SHAPES.size(); l++) {
            for (boolean attention : new boolean[] {true, false}) {
                double[] x = attention ? s.attention()[l] : s.mlp()[l];
                int n = x.length;
                double sum = 0;
                for (double v : x) sum += v;
                double mean = sum / n, ss = 0;
                for (double v : x) ss += (v - mean) * (v - mean);
                double std = n < 2 ? 0 : Math.sqrt(ss / (population ? n : n - 1));
                for (int i = 0; i < n; i++)
                    all.add(new Group(l, attention, i, std == 0 ? x[i] - mean : (x[i] - mean) / std,
                            groupSize(SHAPES.get(l), attention)));
            }
        }
        all.sort(Comparator.comparingDouble(Group::z));
        return all;
    }

    /** Removed groups per (layer, module) when the k lowest of {@code sorted} go: [layer][0 = attention, 1 = MLP]. */
    static int[][] lowest(List<Group> sorted, int k) {
        int[][] counts = new int[SHAPES.size()][2];
        for (Group g : sorted.subList(0, k)) counts[g.layer()][g.attention() ? 0 : 1]++;
        return counts;
    }

    static Scores scores(long seed) {
        Random r = new Random(seed);
        double[][] att = new double[SHAPES.size()][], mlp = new double[SHAPES.size()][];
        for (int l = 0; l < SHAPES.size(); l++) {
            double scale = Math.pow(10, l - 2), shift = 5 * l;     // raw scores on very different scales
            att[l] = r.doubles(SHAPES.get(l).kvHeads()).map(v -> shift + scale * v).toArray();
            mlp[l] = r.doubles(SHAPES.get(l).intermediate()).map(v -> 3 * shift + scale * v * v).toArray();
        }
        mlp[3] = new double[] {7, 7, 7, 7, 7};     // all equal: centred only, z = 0
        return new Scores("hand", att, mlp);
    }

    @Test
    void removesTheGroupsBelowOneThresholdOfHandStandardisedScores() {
        ModelConfig c = config();
        int checked = 0, discriminating = 0;
        for (long seed = 1; seed <= 6; seed++) {
            Scores s = scores(seed);
            List<Group> sample = standardisedByHand(s, false), population = standardisedByHand(s, true);
            for (int k : new int[] {1, 3, 10, 40, 120, 250}) {
                long goal = 0;
                for (Group g : sample.subList(0, k)) goal += g.size();
                if (sample.get(k).z() == sample.get(k - 1).z()) continue;       // a tie at the threshold
                Target t = Target.of((double) goal / c.parameterCount(), c).withAllowEmptyLayers(true);
                RemovalCounts counts = new FlapGlobalAllocator(s).allocate(c, t);
                int[][] want = lowest(sample, k);
                for (int l = 0; l < SHAPES.size(); l++) {
                    assertEquals(want[l][0], counts.attention()[l], "seed " + seed + " k " + k + " layer " + l + " attention");
                    assertEquals(want[l][1], counts.mlp()[l], "seed " + seed + " k " + k + " layer " + l + " MLP");
                }
                assertEquals(goal, counts.removedParameters(c), "seed " + seed + " k " + k);
                checked++;
                if (!Arrays.deepEquals(want, lowest(population, k))) discriminating++;
            }
        }
        assertTrue(checked >= 30, "cases " + checked);
        // The cases tell n − 1 from n: with the population std other groups would go in some of them.
        assertTrue(discriminating >= 5, "cases where n and n − 1 pick different groups: " + discriminating);
    }

    @Test
    void standardisedScoresAreTheHandComputedOnes() {
        // (x − mean) / sample std, by hand: {1, 2, 3, 10} has mean 4 and sample variance (9+4+1+36)/3
        double[] z = ZScores.sample(new double[] {1, 2, 3, 10});
        double std = Math.sqrt(50.0 / 3);
        assertArrayEquals(new double[] {-3 / std, -2 / std, -1 / std, 6 / std}, z, 1e-12);
        // two groups: ±1/√2 with n − 1 (±1 would be the population std)
        assertArrayEquals(new double[] {-Math.sqrt(0.5), Math.sqrt(0.5)},
                ZScores.sample(new double[] {3, 5}), 1e-12);
        // one group, or all equal: centred only
        assertArrayEquals(new double[] {0}, ZScores.sample(new double[] {42}), 0);
        assertArrayEquals(new double[] {0, 0, 0}, ZScores.sample(new double[] {2, 2, 2}), 0);
    }
}
