package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the normalizer of a tokenizer.json; refuses types it does not implement. */
final class Normalizers {
    private Normalizers() {}

    static Normalizer read(ComponentSpec spec) {
        if (spec.node() == null || spec.node().isNull() || spec.node().isMissingNode()) return Normalizer.IDENTITY;
        return switch (spec.type()) {
            case "Sequence" -> sequence(spec);
            case "Prepend" -> prepend(spec.text("prepend"));
            case "Replace" -> replace(TextPattern.read(spec), spec.text("content"));
            case "NFC" -> unicode(Form.NFC);
            case "NFD" -> unicode(Form.NFD);
            case "NFKC" -> unicode(Form.NFKC);
            case "NFKD" -> unicode(Form.NFKD);
            case "Lowercase" -> Normalizers::lowercase;
            case "Strip" -> strip(spec.flag("left", false), spec.flag("right", true));
            case "StripAccents" -> Normalizers::stripAccents;
            default -> throw spec.unsupported();
        };
    }

    private static Normalizer sequence(ComponentSpec spec) {
        List<Normalizer> steps = new ArrayList<>();
        for (JsonNode inner : spec.node().path("normalizers")) steps.add(read(spec.child(inner)));
        return text -> {
            for (Normalizer step : steps) text = step.normalize(text);
            return text;
        };
    }

    /** HF leaves an empty text empty, so an empty piece never becomes a lone prefix. */
    private static Normalizer prepend(String prefix) {
        return text -> text.isEmpty() ? text : prefix + text;
    }

    private static Normalizer replace(TextPattern pattern, String content) {
        return text -> pattern.replaceAll(text, content);
    }

    private static Normalizer unicode(Form form) {
        return text -> ReferenceUnicode.normalize(text, form);
    }

    /** Character by character, as HF does: no context rules such as the final sigma. */
    private static String lowercase(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.append(Character.toString(cp).toLowerCase(Locale.ROOT)));
        return out.toString();
    }

    private static Normalizer strip(boolean left, boolean right) {
        return text -> {
            int start = 0, end = text.length();
            while (left && start < end && WhiteSpace.is(text.codePointAt(start))) {
                start += Character.charCount(text.codePointAt(start));
            }
            while (right && end > start && WhiteSpace.is(text.codePointBefore(end))) {
                end -= Character.charCount(text.codePointBefore(end));
            }
            return text.substring(start, end);
        };
    }

    /** Drops all combining marks, spacing and enclosing ones too (HF applies it after NFD to remove accents). */
    private static String stripAccents(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints()
                .filter(cp -> !ReferenceUnicode.isMark(cp))
                .forEach(out::appendCodePoint);
        return out.toString();
    }
}
