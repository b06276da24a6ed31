package dev.lopper.tokenizer;

/**
 * An entry of tokenizer.json's added_tokens: text that is cut out of the input before the
 * model sees it. {@code normalized} tokens are looked for in normalized text, others in the
 * raw input; {@code lstrip}/{@code rstrip} swallow the whitespace beside a match;
 * {@code singleWord} only matches between non-word characters.
 */
record AddedToken(int id, String content, boolean special, boolean normalized,
        boolean lstrip, boolean rstrip, boolean singleWord) {}
