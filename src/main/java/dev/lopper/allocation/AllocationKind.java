package dev.lopper.allocation;

import dev.lopper.util.Choices;

/**
 * How the budget is spread over layers: the same rate everywhere (uniform), by outlier ratio
 * (OWL), by one global threshold on standardised scores (flap-global), from a file of rates, or
 * by the evolutionary search.
 */
public enum AllocationKind {
    UNIFORM, OWL, FLAP_GLOBAL, FILE, SEARCH;

    /** The name users type and pruning.json records, e.g. {@code flap-global}. */
    @Override
    public String toString() { return Choices.spelling(this); }
}
