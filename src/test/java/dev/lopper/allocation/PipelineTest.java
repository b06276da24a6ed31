package dev.lopper.allocation;

import dev.lopper.model.Pass;
import dev.lopper.importance.Scores;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.Groups;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Scores + target → allocation → selection → surgery, on a 16-layer model. */
class PipelineTest {

    @Test
    void prunedModelsMeetTheTargetAndMatchTheirMasks() {
        ModelConfig c = AllocationFixtures.config(true);
        LlamaModel dense = TestModels.random(c, 3, 0.3f, DType.BF16);
        Scores scores = AllocationFixtures.scores(c, 4);
        int[] tok = TestModels.tokens(5, 2 * 6, c.vocabSize());
        for (Allocator a : List.of(new UniformAllocator(), new FlapGlobalAllocator(scores))) {
            Target t = Target.of(0.3, c).withRange(new LayerRange(1, 15));
            KeepPlan plan = Selection.select(scores, a.allocate(c, t));
            LlamaModel pruned = Surgery.apply(dense, plan);

            double removed = dense.parameterCount() - pruned.parameterCount();
            assertEquals(0.3 * dense.parameterCount(), removed, AllocationFixtures.largestGroup(c, t), a.name());
            assertEquals(Groups.total(pruned.config()), pruned.parameterCount());

            float[] expected = new Transformer(dense).logits(tok, 2, 6, Pass.masked(Surgery.toMasks(c, plan)));
            float[] actual = new Transformer(pruned).logits(tok, 2, 6, Pass.plain());
            for (int i = 0; i < expected.length; i++)
                assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), a.name() + " logit " + i);
        }
    }
}
