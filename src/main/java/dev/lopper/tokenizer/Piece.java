package dev.lopper.tokenizer;

/**
 * A piece of text on its way to the model. {@code atStart} says it begins the whole input,
 * which Metaspace's "first" prepend scheme needs.
 */
record Piece(String text, boolean atStart) {}
