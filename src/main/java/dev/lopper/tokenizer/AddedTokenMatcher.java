package dev.lopper.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds added tokens in a text, as HF's AddedVocabulary: leftmost-longest, non-overlapping
 * matches (its Aho-Corasick mode), then the single_word, lstrip and rstrip rules. Splits the
 * text into plain pieces and token ids.
 */
final class AddedTokenMatcher {

    /** A part of the text: plain text ({@code id} -1) or an added token. */
    record Part(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    /** Rust regex's Unicode \w: alphabetic, marks, decimal digits, connector punctuation, joiners. */
    private static final Pattern WORD = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

    private final Node root = new Node();

    /** @param patterns each token with the text to look for (its content, normalized or not) */
    AddedTokenMatcher(Map<String, AddedToken> patterns) {
        patterns.forEach((text, token) -> {
            if (text.isEmpty()) return;
            Node node = root;
            for (int i = 0; i < text.length(); i++) node = node.children.computeIfAbsent(text.charAt(i), c -> new Node());
            if (node.token == null) node.token = token;
        });
    }

    /** Appends the non-empty parts of {@code text} to {@code out}, in order. */
    void split(String text, List<Part> out) {
        int done = 0; // end of what is already split off
        int i = 0;
        while (i < text.length()) {
            int[] end = new int[1];
            AddedToken token = longestAt(text, i, end);
            if (token == null) {
                i++;
                continue;
            }
            int start = i, stop = end[0];
            i = stop; // the next match is searched after this one, even if it is discarded below
            if (token.singleWord() && (wordBefore(text, start) || wordAfter(text, stop))) continue;
            if (token.lstrip()) start = Math.max(done, startOfTrailingSpace(text, start));
            if (token.rstrip()) stop = endOfLeadingSpace(text, stop);
            if (start > done) out.add(new Part(text.substring(done, start), -1));
            out.add(new Part(text.substring(start, stop), token.id()));
            done = stop;
        }
        if (done < text.length()) out.add(new Part(text.substring(done), -1));
    }

    private AddedToken longestAt(String text, int from, int[] end) {
        AddedToken found = null;
        Node node = root;
        for (int i = from; i < text.length(); i++) {
            node = node.children.get(text.charAt(i));
            if (node == null) break;
            if (node.token != null) {
                found = node.token;
                end[0] = i + 1;
            }
        }
        return found;
    }

    private static boolean wordBefore(String text, int index) {
        return index > 0 && WORD.matcher(Character.toString(text.codePointBefore(index))).matches();
    }

    private static boolean wordAfter(String text, int index) {
        return index < text.length() && WORD.matcher(Character.toString(text.codePointAt(index))).matches();
    }

    private static int startOfTrailingSpace(String text, int end) {
        int start = end;
        while (start > 0 && WhiteSpace.is(text.codePointBefore(start))) start -= Character.charCount(text.codePointBefore(start));
        return start;
    }

    private static int endOfLeadingSpace(String text, int start) {
        int end = start;
        while (end < text.length() && WhiteSpace.is(text.codePointAt(end))) end += Character.charCount(text.codePointAt(end));
        return end;
    }

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        AddedToken token;
    }
}
