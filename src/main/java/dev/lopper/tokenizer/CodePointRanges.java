package dev.lopper.tokenizer;

import java.util.List;

/** A set of code points as sorted, disjoint, inclusive ranges. */
final class CodePointRanges {
    private final int[] starts;
    private final int[] ends;
    private final int min;

    CodePointRanges(List<int[]> ranges) {
        List<int[]> sorted = ranges.stream().sorted((a, b) -> Integer.compare(a[0], b[0])).toList();
        starts = sorted.stream().mapToInt(r -> r[0]).toArray();
        ends = sorted.stream().mapToInt(r -> r[1]).toArray();
        min = starts.length == 0 ? Integer.MAX_VALUE : starts[0];
    }

    boolean contains(int cp) {
        if (cp < min) return false;
        int lo = 0, hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < starts[mid]) hi = mid - 1;
            else if (cp > ends[mid]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /** Whether any code point of {@code text} is in the set; quick for text below the first range. */
    boolean anyIn(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < min && !Character.isSurrogate(c)) continue;
            int cp = text.codePointAt(i);
            if (contains(cp)) return true;
            if (Character.charCount(cp) == 2) i++;
        }
        return false;
    }
}
