package dev.lopper.allocation.search;

import dev.lopper.util.Choices;

/** The search's genetic operator: classic (ga), a chat model behind an OpenAI-compatible endpoint (llm), the model itself (self). */
public enum OperatorKind {
    GA, LLM, SELF;

    /** Whether the operator is prompted (llm and self read prompt templates and parse replies). */
    public boolean prompted() { return this != GA; }

    @Override
    public String toString() { return Choices.spelling(this); }
}
