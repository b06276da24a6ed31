package dev.lopper.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a split does with the delimiters it finds, as HF's SplitDelimiterBehavior: drop them,
 * keep each as its own piece, glue each to the piece before or after, or keep runs together.
 */
enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    static SplitBehavior read(ComponentSpec spec) {
        return switch (spec.text("behavior")) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> throw spec.bad("has an unknown behavior \"" + spec.text("behavior") + "\"");
        };
    }

    /**
     * Splits {@code piece} at {@code matches} (start, end pairs, left to right) and appends the
     * non-empty parts. With {@code invert}, the matches are the words and the gaps delimiters.
     */
    void apply(Piece piece, List<int[]> matches, boolean invert, List<Piece> out) {
        String text = piece.text();
        List<int[]> spans = new ArrayList<>(); // {start, end, isDelimiter}
        int previous = 0;
        for (int[] m : matches) {
            if (m[0] > previous) spans.add(new int[] {previous, m[0], invert ? 1 : 0});
            spans.add(new int[] {m[0], m[1], invert ? 0 : 1});
            previous = m[1];
        }
        if (previous < text.length()) spans.add(new int[] {previous, text.length(), invert ? 1 : 0});

        for (int[] span : combine(spans)) {
            if (span[1] > span[0]) {
                out.add(new Piece(text.substring(span[0], span[1]), piece.atStart() && span[0] == 0));
            }
        }
    }

    private List<int[]> combine(List<int[]> spans) {
        List<int[]> parts = new ArrayList<>();
        switch (this) {
            case REMOVED -> spans.stream().filter(s -> s[2] == 0).forEach(parts::add);
            case ISOLATED -> parts.addAll(spans);
            case MERGED_WITH_PREVIOUS -> {
                boolean previousWasDelimiter = false;
                for (int[] s : spans) {
                    boolean glue = s[2] == 1 && !previousWasDelimiter && !parts.isEmpty();
                    if (glue) parts.getLast()[1] = s[1];
                    else parts.add(new int[] {s[0], s[1]});
                    previousWasDelimiter = s[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean nextWasDelimiter = false;
                for (int i = spans.size() - 1; i >= 0; i--) {
                    int[] s = spans.get(i);
                    boolean glue = s[2] == 1 && !nextWasDelimiter && !parts.isEmpty();
                    if (glue) parts.getLast()[0] = s[0];
                    else parts.add(new int[] {s[0], s[1]});
                    nextWasDelimiter = s[2] == 1;
                }
                java.util.Collections.reverse(parts);
            }
            case CONTIGUOUS -> {
                int previousKind = -1;
                for (int[] s : spans) {
                    if (s[2] == previousKind && !parts.isEmpty()) parts.getLast()[1] = s[1];
                    else parts.add(new int[] {s[0], s[1]});
                    previousKind = s[2];
                }
            }
        }
        return parts;
    }
}
