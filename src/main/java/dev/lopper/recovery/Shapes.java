package dev.lopper.recovery;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;

/** Checks that a pruned model is what a keep plan cuts from a dense model (its teacher). */
public final class Shapes {
    private Shapes() {}

    /** @throws BadInputException naming the first mismatch */
    public static void check(LlamaModel dense, LlamaModel pruned, KeepPlan plan) {
        ModelConfig d = dense.config(), p = pruned.config();
        if (!d.ops().equals(p.ops()))
            throw new BadInputException("the teacher is of another family than the pruned model (" + d.ops() + " vs "
                    + p.ops() + ")");
        if (d.vocabSize() != p.vocabSize())
            throw new BadInputException("the teacher's vocabulary has " + d.vocabSize() + " tokens, the pruned model's "
                    + p.vocabSize());
        if (d.hiddenSize() != p.hiddenSize() || d.numLayers() != p.numLayers())
            throw new BadInputException("the teacher has " + d.numLayers() + " layers of width " + d.hiddenSize()
                    + ", the pruned model " + p.numLayers() + " of width " + p.hiddenSize());
        Surgery.toMasks(d, plan);     // the plan fits the dense model (PlanCheck)
        for (int l = 0; l < d.numLayers(); l++) {
            LayerShape a = d.layer(l), b = p.layer(l);
            int kv = plan.keptKvHeads()[l].length, ch = plan.keptChannels()[l].length;
            if (b.kvHeads() != kv || b.heads() != kv * a.groupSize() || b.headDim() != a.headDim()
                    || b.intermediate() != ch)
                throw new BadInputException("layer " + l + " of the pruned model has " + b.kvHeads() + " kv heads and "
                        + b.intermediate() + " MLP channels, but its pruning record keeps " + kv + " and " + ch
                        + " of the teacher's " + a.kvHeads() + " and " + a.intermediate());
        }
    }
}
