package dev.lopper.allocation.search;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a chat reply: the first JSON value in it, inside a Markdown code fence if there is one
 * ({@code ```json ... ```}), else from the first '{' or '['; NaN and Infinity literals are read
 * (and then refused as not finite). Returns null when no JSON can be read.
 */
final class ReplyParser {
    private static final Pattern FENCE = Pattern.compile("```[a-zA-Z]*\\s*\\n?(.*?)```", Pattern.DOTALL);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .build();

    private ReplyParser() {}

    static JsonNode json(String reply) {
        if (reply == null) return null;
        Matcher m = FENCE.matcher(reply);
        while (m.find()) {
            JsonNode n = first(m.group(1));
            if (n != null) return n;
        }
        return first(reply);
    }

    private static JsonNode first(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '{' && c != '[') continue;
            try (JsonParser p = JSON.createParser(text.substring(i))) {
                JsonNode n = JSON.readTree(p);
                if (n != null) return n;
            } catch (IOException notHere) {
                // try the next bracket
            }
        }
        return null;
    }

    /**
     * The lists of numbers in a reply: an object's first array-valued field (or the field named
     * {@code key}), or a top-level array; a single flat list counts as one. Entries that are not
     * lists of numbers become null (counted by the caller as unusable).
     */
    static List<double[]> vectors(JsonNode n, String key) {
        if (n == null) return null;
        JsonNode arr = n;
        if (n.isObject()) {
            arr = n.get(key);
            if (arr == null || !arr.isArray()) {
                arr = null;
                for (Iterator<JsonNode> it = n.elements(); it.hasNext() && arr == null; ) {
                    JsonNode v = it.next();
                    if (v.isArray()) arr = v;
                }
            }
        }
        if (arr == null || !arr.isArray()) return null;
        List<double[]> out = new ArrayList<>();
        if (!arr.isEmpty() && arr.get(0).isNumber()) {
            out.add(numbers(arr));
            return out;
        }
        for (JsonNode v : arr) out.add(v.isArray() ? numbers(v) : null);
        return out;
    }

    private static double[] numbers(JsonNode arr) {
        double[] r = new double[arr.size()];
        for (int i = 0; i < r.length; i++) {
            JsonNode v = arr.get(i);
            if (!v.isNumber()) return null;
            r[i] = v.doubleValue();
        }
        return r;
    }
}
