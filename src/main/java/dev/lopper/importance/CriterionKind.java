package dev.lopper.importance;

import dev.lopper.util.Choices;

/** The criteria by name (the names of METHODS.md's table); {@link Criteria#create} makes one. */
public enum CriterionKind {
    RANDOM, L1, L2, WANDA_SP, FLAP, TAYLOR_VECTOR, TAYLOR_ELEMENT, HYWIA;

    /** The name users type and pruning.json records, e.g. {@code wanda-sp}. */
    @Override
    public String toString() { return Choices.spelling(this); }
}
