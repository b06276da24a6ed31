package dev.lopper.tokenizer;

/**
 * The Unicode White_Space property, which Rust's {@code char::is_whitespace} and regex
 * {@code \s} use. Java's {@code Character.isWhitespace} differs (it leaves out U+00A0 and U+202F
 * and counts U+001C..U+001F), so it must not be used where HF behaviour is copied.
 */
final class WhiteSpace {
    private WhiteSpace() {}

    static boolean is(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
