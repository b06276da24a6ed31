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
        return regex.matcher(text).replaceAll(Matcher.quoteReplacement(content));
    }

    /** Start and end of each non-overlapping match, left to right. */
    List<int[]> matches(String text) {
        List<int[]> found = new ArrayList<>();
        Matcher m = regex.matcher(text);
        while (m.find()) found.add(new int[] {m.start(), m.end()});
        return found;
    }
}
