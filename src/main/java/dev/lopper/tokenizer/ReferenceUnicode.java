package dev.lopper.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the JDK's Unicode (16) behave like the older Unicode data inside Hugging Face
 * tokenizers, so that ids stay identical even for recently assigned characters: such letters
 * are hidden from regexes, and characters the library's normalizer does not know are kept out
 * of normalization, and StripAccents removes the marks that it knew as marks. The code points are listed in reference-unicode.txt beside this class.
 */
final class ReferenceUnicode {
    private ReferenceUnicode() {}

    /** Unassigned in Unicode 16 (general category Cn), one for each UTF-16 length. */
    private static final char UNASSIGNED_BMP = '\u0378';
    private static final int UNASSIGNED_ASTRAL = 0x2FFFE;

    private static final CodePointRanges NEWER_LETTERS;
    private static final CodePointRanges UNKNOWN_TO_NORMALIZER;
    private static final CodePointRanges OLDER_MARKS;
    private static final CodePointRanges NEWER_MARKS;

    static {
        Map<String, List<int[]>> kinds = new HashMap<>();
        try (InputStream in = ReferenceUnicode.class.getResourceAsStream("reference-unicode.txt");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.trim().split("\\s+");
                int[] range = {Integer.parseInt(f[1], 16), Integer.parseInt(f[2], 16)};
                kinds.computeIfAbsent(f[0], k -> new ArrayList<>()).add(range);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NEWER_LETTERS = new CodePointRanges(kinds.getOrDefault("regex", List.of()));
        UNKNOWN_TO_NORMALIZER = new CodePointRanges(kinds.getOrDefault("normalizer", List.of()));
        OLDER_MARKS = new CodePointRanges(kinds.getOrDefault("mark", List.of()));
        NEWER_MARKS = new CodePointRanges(kinds.getOrDefault("notmark", List.of()));
    }

    /** A combining mark (Mn, Mc or Me) in the reference's Unicode data, which StripAccents removes. */
    static boolean isMark(int cp) {
        int type = Character.getType(cp);
        boolean mark = type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
        return mark ? !NEWER_MARKS.contains(cp) : OLDER_MARKS.contains(cp);
    }

    /**
     * The text a regex should search: the same UTF-16 length (so match offsets apply to the
     * original), with letters newer than the reference replaced by an unassigned character.
     */
    static String forRegex(String text) {
        if (!NEWER_LETTERS.anyIn(text)) return text;
        StringBuilder masked = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (!NEWER_LETTERS.contains(cp)) masked.appendCodePoint(cp);
            else if (Character.charCount(cp) == 1) masked.append(UNASSIGNED_BMP);
            else masked.appendCodePoint(UNASSIGNED_ASTRAL);
        });
        return masked.toString();
    }

    /**
     * Normalizes as the reference does: a character it does not know is an inert starter, so
     * the text is normalized in segments between such characters, which are kept as they are;
     * a composition it does not know (Java composed a newer character) is undone.
     */
    static String normalize(String text, Normalizer.Form form) {
        if (!UNKNOWN_TO_NORMALIZER.anyIn(text) && Normalizer.isNormalized(text, form)) return text;
        StringBuilder out = new StringBuilder(text.length());
        int start = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (UNKNOWN_TO_NORMALIZER.contains(cp)) {
                appendNormalized(text.substring(start, i), form, out);
                out.appendCodePoint(cp);
                start = next;
            }
            i = next;
        }
        appendNormalized(text.substring(start), form, out);
        return out.toString();
    }

    private static void appendNormalized(String segment, Normalizer.Form form, StringBuilder out) {
        String normalized = Normalizer.normalize(segment, form);
        if (!UNKNOWN_TO_NORMALIZER.anyIn(normalized)) {
            out.append(normalized);
            return;
        }
        Normalizer.Form decompose = form == Normalizer.Form.NFKC ? Normalizer.Form.NFKD : Normalizer.Form.NFD;
        normalized.codePoints().forEach(cp -> {
            if (UNKNOWN_TO_NORMALIZER.contains(cp)) out.append(Normalizer.normalize(Character.toString(cp), decompose));
            else out.appendCodePoint(cp);
        });
    }
}
