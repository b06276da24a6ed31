package dev.lopper.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a tokenizer.json regex (written for Oniguruma, Ruby syntax) to a java.util.regex
 * pattern that matches the same text.
 *
 * <p>Flags, and why: UNICODE_CHARACTER_CLASS makes {@code \s}, {@code \w} and {@code (?i)} Unicode
 * aware as in Oniguruma ({@code \s} is then White_Space, e.g. U+00A0 and U+3000); UNIX_LINES and
 * MULTILINE give Ruby's {@code ^ $ .}, whose only line break is "\n". Oniguruma's {@code \h} (a hex
 * digit) means horizontal space in Java, so it is refused rather than silently changed.
 */
final class OnigRegex {
    private OnigRegex() {}

    static Pattern compile(String regex, ComponentSpec spec) {
        if (hasEscape(regex, 'h') || hasEscape(regex, 'H')) {
            throw spec.bad("uses \\h or \\H, whose meaning differs between Oniguruma and Java: " + regex);
        }
        String java = regex.replace("\\p{^", "\\P{"); // Oniguruma's negated property syntax
        try {
            return Pattern.compile(java,
                    Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES | Pattern.MULTILINE);
        } catch (PatternSyntaxException e) {
            throw spec.bad("has a regex Java cannot compile: " + e.getDescription() + ": " + regex);
        }
    }

    /** Whether {@code \x} appears as an escape (not as an escaped backslash followed by x). */
    private static boolean hasEscape(String regex, char letter) {
        for (int i = 0; i + 1 < regex.length(); i++) {
            if (regex.charAt(i) == '\\') {
                if (regex.charAt(i + 1) == letter) return true;
                i++; // skip the escaped character
            }
        }
        return false;
    }
}
