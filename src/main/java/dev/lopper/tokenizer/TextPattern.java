package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json pattern: {"String": literal} or {"Regex": oniguruma regex}. */
final class TextPattern {
    private final Pattern regex;

    private TextPattern(Pattern regex) {
        this.regex = regex;
    }

    static TextPattern read(ComponentSpec spec) {
        JsonNode pattern = spec.node().path("pattern");
        if (pattern.hasNonNull("String")) return literal(pattern.get("String").asText());
        if (pattern.hasNonNull("Regex")) return new TextPattern(OnigRegex.compile(pattern.get("Regex").asText(), spec));
        throw spec.bad("needs a pattern {\"String\": ...} or {\"Regex\": ...}");
    }

    static TextPattern literal(String text) {
        return new TextPattern(Pattern.compile(Pattern.quote(text)));
    }

    static TextPattern of(Pattern regex) {
        return new TextPattern(regex);
    }

    String replaceAll(String text, String content) {
        StringBuilder out = new StringBuilder(text.length());
        int done = 0;
        for (int[] m : matches(text)) {
            out.append(text, done, m[0]).append(content);
            done = m[1];
        }
        return out.append(text, done, text.length()).toString();
    }

    /**
     * Start and end of each non-overlapping match, left to right. The regex searches the text as
     * the reference's Unicode version sees it (see {@link ReferenceUnicode#forRegex}).
     */
    List<int[]> matches(String text) {
        List<int[]> found = new ArrayList<>();
        Matcher m = regex.matcher(ReferenceUnicode.forRegex(text));
        while (m.find()) found.add(new int[] {m.start(), m.end()});
        return found;
    }
}
