package dev.lopper.recovery.lora;

import java.util.EnumSet;
import java.util.Set;

/**
 * The shape of a LoRA: rank r, α (the branch is scaled by α/r, PEFT's default), dropout on the
 * adapters' inputs, and which projections carry adapters.
 */
public record LoraSettings(int rank, double alpha, double dropout, Set<Projection> targets) {
    public LoraSettings {
        if (rank < 1) throw new IllegalArgumentException("rank " + rank);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout " + dropout);
        if (targets.isEmpty()) throw new IllegalArgumentException("no target projections");
        targets = java.util.Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** LLM-Pruner's recovery: rank 8, α 16, dropout 0.05, all seven projections. */
    public static LoraSettings llmPruner() {
        return new LoraSettings(8, 16, 0.05, EnumSet.allOf(Projection.class));
    }

    public float scale() { return (float) (alpha / rank); }
}
