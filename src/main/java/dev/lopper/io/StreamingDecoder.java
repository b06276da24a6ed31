package dev.lopper.io;

import java.util.Arrays;

/**
 * Turns generated ids into text pieces as they arrive, for any {@link Tokenizer}.
 *
 * <p>Why not just {@link Tokenizer#decodeToken}: a character outside ASCII may be spread over
 * several byte-fallback tokens, and none of them alone is text. This keeps the tokens of the
 * last emitted piece as left context (so SentencePiece spaces come out right, and the context
 * itself is whole characters: HF's ByteFallback decoder turns a whole run of byte tokens into
 * U+FFFDs when any byte of the run is incomplete) plus the tokens not yet emitted, and emits
 * new text only once it no longer ends in an incomplete character (U+FFFD).
 */
public final class StreamingDecoder {

    /** Stop waiting for a character to complete after this many tokens (a real U+FFFD). */
    private static final int MAX_PENDING = 8;

    private final Tokenizer tokenizer;
    private int[] window = new int[0]; // context tokens (the last emitted piece) + pending tokens
    private int contextLength = 0;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Feeds one id; returns the text it completes, possibly empty. */
    public String push(int id) {
        window = Arrays.copyOf(window, window.length + 1);
        window[window.length - 1] = id;
        String context = tokenizer.decode(Arrays.copyOf(window, contextLength));
        String all = tokenizer.decode(window);
        int pending = window.length - contextLength;
        if (all.endsWith("\uFFFD") && pending < MAX_PENDING) return "";
        String text = all.startsWith(context) ? all.substring(context.length()) : all;
        window = Arrays.copyOfRange(window, contextLength, window.length);
        contextLength = window.length;
        return text;
    }
}
