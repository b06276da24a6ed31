package dev.lopper.pipeline;

import dev.lopper.util.Choices;

/** The presets of {@code --method}, in the order --help lists them; {@link PruneOptions#preset} fills them in. */
public enum Method {
    LLM_PRUNER, HYWIA, FLAP, WANDA_SP, CUSTOM;

    /** The name users type, e.g. {@code llm-pruner}. */
    @Override
    public String toString() { return Choices.spelling(this); }
}
