package dev.lopper.allocation;

import dev.lopper.calib.Statistic;
import dev.lopper.model.ModelConfig;

import java.util.EnumSet;
import java.util.Set;

/**
 * Turns a global target into per-layer numbers of groups to remove. Implementations throw
 * {@link dev.lopper.BadInputException} when the target cannot be met.
 */
public interface Allocator {
    /** A short name for reports and pruning.json ("uniform", "owl", ...). */
    String name();

    /**
     * The calibration statistics {@link #allocate} reads (OWL's outlier ratios and the search's
     * masked fitness read {@link Statistic#ACTIVATIONS}); none by default. A run asks this before it
     * calibrates and collects them together with the criterion's.
     */
    default Set<Statistic> needs() { return EnumSet.noneOf(Statistic.class); }

    RemovalCounts allocate(ModelConfig config, Target target);
}
