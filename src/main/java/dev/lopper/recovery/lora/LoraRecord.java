package dev.lopper.recovery.lora;

import dev.lopper.util.Sha256;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lopper.io.PruningRecord;

import java.util.List;

/**
 * recovery.json: what a LoRA recovery did, with enough to reproduce it: the inputs with
 * checksums, the text and how many of its tokens were trained on, every option, the held-out
 * evaluations, and what the run cost.
 *
 * @param output      "merged" (weights with the adapters folded in) or "adapter" (PEFT layout)
 * @param fingerprint the run's identity, as checkpoints carry it (--resume checks it)
 */
public record LoraRecord(String lopperVersion, String method, String output, Inputs inputs, Data data,
                             LoraSettings lora, TrainOptions training, Result result, PruningRecord.Run run,
                             String fingerprint, int resumedFromStep) {

    /** The pruned model, the held-out text and the teacher (null without distillation), with checksums. */
    public record Inputs(String model, List<Sha256.FileDigest> modelFiles, Sha256.FileDigest heldout,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String teacher,
                         @JsonInclude(JsonInclude.Include.NON_NULL) List<Sha256.FileDigest> teacherFiles) {}

    /**
     * @param tokens         tokens the text has
     * @param windows        training windows of {@code seq} tokens (those with a target)
     * @param tokensTrained  tokens passed through training (steps × windows per step × seq)
     * @param windowsSeen    distinct windows trained on
     */
    public record Data(String name, Sha256.FileDigest file, DataFormat format, String description,
                       LossOn lossOn, int examples, int tokens, int windows, long tokensTrained, int windowsSeen) {}

    /** Held-out perplexity before and after, at {@code seq}, over {@code windows} windows; every evaluation and the step curve's ends. */
    public record Result(int heldoutWindows, double perplexityBefore, double perplexityAfter, int steps,
                         double firstLoss, double lastLoss, List<LoraTrainer.EvalPoint> evaluations,
                         long adapterParameters) {}
}
