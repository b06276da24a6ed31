package dev.lopper.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme: every UTF-8 byte is shown as one printable character, so a
 * byte-level BPE never meets an unknown symbol. Printable Latin-1 bytes stand for themselves;
 * the other 68 bytes take the characters from U+0100 on, in byte order.
 */
final class ByteLevel {
    private ByteLevel() {}

    /** GPT-2's word splitting, used when the pre-tokenizer says use_regex. */
    private static final Pattern GPT2_WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    static PreTokenizer preTokenizer(ComponentSpec spec) {
        boolean addPrefixSpace = spec.flag("add_prefix_space", true);
        boolean useRegex = spec.flag("use_regex", true);
        TextPattern words = TextPattern.of(GPT2_WORDS);
        return (piece, out) -> {
            String text = piece.text();
            if (addPrefixSpace && !text.startsWith(" ")) text = " " + text;
            Piece spaced = new Piece(text, piece.atStart());
            List<Piece> parts = new java.util.ArrayList<>();
            if (useRegex) SplitBehavior.ISOLATED.apply(spaced, words.matches(text), false, parts);
            else parts.add(spaced);
            for (Piece part : parts) out.add(new Piece(toChars(part.text()), part.atStart()));
        };
    }

    /** The UTF-8 bytes of {@code text}, each shown as its stand-in character. */
    static String toChars(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(chars);
    }

    /**
     * Joins all tokens into one text. A token with a character outside the byte alphabet (an
     * added token such as "<|im_start|>" may have one) is taken as its own UTF-8, as HF does.
     */
    static Decoder decoder() {
        return tokens -> {
            ByteList bytes = new ByteList();
            for (String token : tokens) {
                if (inAlphabet(token)) {
                    for (int i = 0; i < token.length(); i++) bytes.add(CHAR_TO_BYTE[token.charAt(i)]);
                } else {
                    for (byte b : token.getBytes(StandardCharsets.UTF_8)) bytes.add(b);
                }
            }
            return List.of(Utf8.lossy(bytes.array(), bytes.size()));
        };
    }

    private static boolean inAlphabet(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) return false;
        }
        return true;
    }
}
