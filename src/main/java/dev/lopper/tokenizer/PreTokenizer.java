package dev.lopper.tokenizer;

import java.util.List;

/** A tokenizer.json pre-tokenizer: splits a piece into words (and may rewrite them). */
@FunctionalInterface
interface PreTokenizer {
    /** Appends the non-empty words of {@code piece} to {@code out}. */
    void split(Piece piece, List<Piece> out);

    PreTokenizer NONE = (piece, out) -> out.add(piece);
}
