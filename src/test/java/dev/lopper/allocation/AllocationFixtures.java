package dev.lopper.allocation;

import dev.lopper.importance.Scores;
import dev.lopper.model.LayerShape;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 16-layer configuration with three layer shapes (group sizes 2 and 4), and random scores. */
public final class AllocationFixtures {
    private AllocationFixtures() {}

    public static ModelConfig config(boolean biases) {
        List<LayerShape> shapes = new ArrayList<>();
        for (int l = 0; l < 16; l++) {
            shapes.add(switch (l % 3) {
                case 0 -> new LayerShape(8, 4, 4, 64);
                case 1 -> new LayerShape(4, 2, 4, 48);
                default -> new LayerShape(8, 2, 4, 40);
            });
        }
        return ModelConfig.builder(Family.LLAMA)
                .hiddenSize(32).vocabSize(50).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).qkvBias(biases).oBias(biases).mlpBias(biases).downBias(biases)
                .bosTokenId(1).eosTokenId(2)
                .build();
    }

    static Scores scores(ModelConfig c, long seed) {
        Random rnd = new Random(seed);
        double[][] att = new double[c.numLayers()][], mlp = new double[c.numLayers()][];
        for (int l = 0; l < c.numLayers(); l++) {
            int layer = l;
            att[l] = rnd.doubles(c.layer(l).kvHeads()).map(x -> x * (1 + layer)).toArray();
            mlp[l] = rnd.doubles(c.layer(l).intermediate()).map(x -> x * x + layer).toArray();
        }
        return new Scores("test", att, mlp);
    }

    /** The largest group the target could remove. */
    public static long largestGroup(ModelConfig c, Target t) {
        long max = 0;
        for (int l = t.range().start(); l < t.range().end(); l++) {
            if (t.modules().attention()) max = Math.max(max, Groups.attentionGroup(c, l));
            if (t.modules().mlp()) max = Math.max(max, Groups.mlpChannel(c, l));
        }
        return max;
    }

    /** Removed parameters within one group of the goal, nothing outside the range or modules, no emptied layer. */
    static void assertMeets(ModelConfig c, Target t, RemovalCounts counts) {
        double goal = t.fraction() * Groups.total(c);
        long removed = counts.removedParameters(c);
        assertTrue(Math.abs(removed - goal) <= largestGroup(c, t),
                "removed " + removed + " for a goal of " + goal + " (one group is " + largestGroup(c, t) + ")");
        for (int l = 0; l < c.numLayers(); l++) {
            boolean in = t.range().contains(l);
            int a = counts.attention()[l], m = counts.mlp()[l];
            assertTrue(a >= 0 && m >= 0);
            if (!in || !t.modules().attention()) assertTrue(a == 0, "layer " + l + " attention touched");
            if (!in || !t.modules().mlp()) assertTrue(m == 0, "layer " + l + " MLP touched");
            if (!t.allowEmptyLayers()) {
                assertTrue(a < c.layer(l).kvHeads(), "layer " + l + " attention emptied");
                assertTrue(m < c.layer(l).intermediate(), "layer " + l + " MLP emptied");
            }
        }
    }
}
