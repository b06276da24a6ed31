package dev.lopper.tokenizer;

/** UTF-8 decoding with Rust's rules, which decoders must reproduce exactly. */
final class Utf8 {
    private Utf8() {}

    /**
     * As Rust's {@code String::from_utf8_lossy}: each maximal ill-formed subpart (Unicode
     * §3.9, table 3-7) becomes one U+FFFD.
     */
    static String lossy(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int consumed = next(bytes, i, length, out);
            if (consumed < 0) {
                out.append('\uFFFD');
                i += -consumed;
            } else {
                i += consumed;
            }
        }
        return out.toString();
    }

    /** As Rust's {@code String::from_utf8}: the text, or null when the bytes are not valid UTF-8. */
    static String strict(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; ) {
            int consumed = next(bytes, i, length, out);
            if (consumed < 0) return null;
            i += consumed;
        }
        return out.toString();
    }

    /**
     * Decodes one character at {@code i} into {@code out} and returns its byte length, or returns
     * minus the length of the ill-formed subpart that starts there.
     */
    private static int next(byte[] bytes, int i, int length, StringBuilder out) {
        int b0 = bytes[i] & 0xFF;
        if (b0 < 0x80) {
            out.append((char) b0);
            return 1;
        }
        int continuation, low = 0x80, high = 0xBF, cp;
        if (b0 >= 0xC2 && b0 <= 0xDF) { continuation = 1; cp = b0 & 0x1F; }
        else if (b0 == 0xE0) { continuation = 2; low = 0xA0; cp = b0 & 0x0F; }
        else if (b0 == 0xED) { continuation = 2; high = 0x9F; cp = b0 & 0x0F; }
        else if (b0 >= 0xE1 && b0 <= 0xEF) { continuation = 2; cp = b0 & 0x0F; }
        else if (b0 == 0xF0) { continuation = 3; low = 0x90; cp = b0 & 0x07; }
        else if (b0 >= 0xF1 && b0 <= 0xF3) { continuation = 3; cp = b0 & 0x07; }
        else if (b0 == 0xF4) { continuation = 3; high = 0x8F; cp = b0 & 0x07; }
        else return -1;
        for (int k = 1; k <= continuation; k++) {
            if (i + k >= length) return -k;
            int b = bytes[i + k] & 0xFF;
            // Only the second byte has a narrowed range (no overlongs, surrogates or > U+10FFFF).
            if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return -k;
            cp = (cp << 6) | (b & 0x3F);
        }
        out.appendCodePoint(cp);
        return continuation + 1;
    }
}
