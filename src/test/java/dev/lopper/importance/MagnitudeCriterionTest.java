package dev.lopper.importance;

import dev.lopper.calib.GroupMembers;
import dev.lopper.calib.GroupMembers.Member;
import dev.lopper.calib.Statistics;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MagnitudeCriterionTest {

    /** The same model with every weight replaced by {@code v}. */
    static LlamaModel constant(LlamaModel m, float v) {
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights w : m.layers()) {
            layers.add(LayerWeights.from(p -> c(w.get(p), v)));
        }
        return new LlamaModel(m.config(), c(m.embed(), v), layers, c(m.finalNorm(), v), c(m.lmHead(), v));
    }

    private static Matrix c(Matrix m, float v) {
        if (m == null) return null;
        float[] a = new float[Math.toIntExact(m.size())];
        Arrays.fill(a, v);
        return Matrix.wrap(a, m.rows(), m.cols());
    }

    @Test
    void constantWeightsGiveHandCountedScores() {
        // Layer 0: hidden 16, 4 heads / 2 kv heads of dim 4, MLP 12; with biases.
        LlamaModel m = constant(TestModels.uneven(1, true, false, DType.F32), -0.5f);
        Scores l1 = Criteria.create("l1").score(ScoringContext.of(m, Statistics.NONE));
        Scores l2 = Criteria.create("l2").score(ScoringContext.of(m, Statistics.NONE));
        // attention group: q 8 rows×16 + o 16×8 + k 4×16 + v 4×16 + biases 8 + 4 + 4 = 400 weights
        assertEquals(400 * 0.5, l1.attention()[0][0], 1e-9);
        assertEquals(Math.sqrt(400 * 0.25), l2.attention()[0][1], 1e-9);
        // MLP channel: gate row 16 + up row 16 + down column 16 + 2 biases = 50 weights
        assertEquals(50 * 0.5, l1.mlp()[0][11], 1e-9);
        assertEquals(Math.sqrt(50 * 0.25), l2.mlp()[0][3], 1e-9);
        // layer 1: 2 heads / 1 kv head → one group with q 8×16, o 16×8, k, v 4×16, biases 8+4+4
        assertEquals(400 * 0.5, l1.attention()[1][0], 1e-9);
        assertEquals(1, l1.attention()[1].length);
        assertEquals(7, l1.mlp()[1].length);
    }

    @Test
    void randomWeightsMatchPlainSumsOverTheGroup() {
        LlamaModel m = TestModels.uneven(2, true, false, DType.BF16);
        Scores l1 = Criteria.create("l1").score(ScoringContext.of(m, Statistics.NONE));
        Scores l2 = Criteria.create("l2").score(ScoringContext.of(m, Statistics.NONE));
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (int j = 0; j < m.config().layer(l).kvHeads(); j++) {
                check(m, l, GroupMembers.attention(m, l, j), l1.attention()[l][j], l2.attention()[l][j]);
            }
            for (int c = 0; c < m.config().layer(l).intermediate(); c++) {
                check(m, l, GroupMembers.mlp(m, l, c), l1.mlp()[l][c], l2.mlp()[l][c]);
            }
        }
    }

    private static void check(LlamaModel m, int layer, List<Member> group, double l1, double l2) {
        double a = 0, s = 0;
        for (Member x : group) {
            double w = GroupMembers.weight(m, layer, x);
            a += Math.abs(w);
            s += w * w;
        }
        assertEquals(a, l1, 1e-9 * a);
        assertEquals(Math.sqrt(s), l2, 1e-9 * Math.sqrt(s));
    }
}
