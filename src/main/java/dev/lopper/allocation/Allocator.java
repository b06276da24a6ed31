package dev.lopper.allocation;

import dev.lopper.model.ModelConfig;

/**
 * Turns a global target into per-layer numbers of groups to remove. Implementations throw
 * {@link dev.lopper.BadInputException} when the target cannot be met.
 */
public interface Allocator {
    /** A short name for reports and pruning.json ("uniform", "owl", ...). */
    String name();

    RemovalCounts allocate(ModelConfig config, Target target);
}
