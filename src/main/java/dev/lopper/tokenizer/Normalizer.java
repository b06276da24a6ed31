package dev.lopper.tokenizer;

/** A tokenizer.json normalizer: rewrites text before it is split into words. */
@FunctionalInterface
interface Normalizer {
    String normalize(String text);

    Normalizer IDENTITY = text -> text;
}
