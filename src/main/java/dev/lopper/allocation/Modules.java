package dev.lopper.allocation;

import dev.lopper.util.Choices;

/** Which kinds of groups a run may remove. */
public enum Modules {
    ATTENTION, MLP, BOTH;

    public boolean attention() { return this != MLP; }

    public boolean mlp() { return this != ATTENTION; }

    /** {@code attention}, {@code mlp} or {@code both}, as users type it. */
    @Override
    public String toString() { return Choices.spelling(this); }
}
