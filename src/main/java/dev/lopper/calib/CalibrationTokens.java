package dev.lopper.calib;

import dev.lopper.io.Tokenizer;

import java.util.Arrays;

/**
 * Token ids for calibration. The text is encoded in pieces of about {@link #PIECE_CHARS}
 * characters cut at paragraph breaks, and only until there are enough tokens to draw the
 * windows from: encoding a multi-megabyte corpus as one string makes some tokenizers (those
 * without a pre-tokenizer) hold hundreds of megabytes for nothing.
 */
public final class CalibrationTokens {
    static final int PIECE_CHARS = 64 * 1024;

    private CalibrationTokens() {}

    /** The first ids of the text (BOS first) until at least {@code wanted} tokens, or all of it. */
    public static int[] encode(Tokenizer tok, String text, long wanted) {
        int[] ids = new int[1024];
        int n = 0;
        int pos = 0;
        boolean first = true;
        while (pos < text.length() && n < wanted) {
            int end = Math.min(text.length(), pos + PIECE_CHARS);
            if (end < text.length()) {
                int brk = text.lastIndexOf("\n\n", end);
                if (brk > pos) end = brk + 2;
            }
            int[] piece = tok.encode(text.substring(pos, end), first);
            first = false;
            if (n + piece.length > ids.length) ids = Arrays.copyOf(ids, Math.max(2 * ids.length, n + piece.length));
            System.arraycopy(piece, 0, ids, n, piece.length);
            n += piece.length;
            pos = end;
        }
        return Arrays.copyOf(ids, n);
    }
}
