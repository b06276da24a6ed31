package dev.lopper.util;

import dev.lopper.BadInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fixed-choice settings (criterion, allocation, modules, …) are enums whose {@code toString()}
 * is the spelling users type: the constant's name in lower case with hyphens ({@code WANDA_SP}
 * → {@code wanda-sp}), see {@link #spelling}. This class turns a spelling back into the
 * constant, and an unknown one into an error that lists the candidates and suggests the
 * closest. The CLI's one converter uses it for every enum option; code and tests that take a
 * name (a preset, a criterion) use {@link #parse}.
 */
public final class Choices {
    private Choices() {}

    /** The conventional spelling of a constant: {@code FLAP_GLOBAL} → {@code flap-global}. */
    public static String spelling(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constants' spellings ({@code toString()}), in declaration order. */
    public static List<String> spellings(Class<? extends Enum<?>> type) {
        List<String> out = new ArrayList<>();
        for (Enum<?> e : type.getEnumConstants()) out.add(e.toString());
        return out;
    }

    /** The constant spelled {@code value} (exactly, else ignoring case), or null. */
    public static <E extends Enum<E>> E find(Class<E> type, String value) {
        if (value == null) return null;
        String v = value.trim();
        for (E e : type.getEnumConstants()) if (e.toString().equals(v)) return e;
        for (E e : type.getEnumConstants()) if (e.toString().equalsIgnoreCase(v)) return e;
        return null;
    }

    /** The constant spelled {@code value}; an {@link Unknown} naming {@code what} and the candidates otherwise. */
    public static <E extends Enum<E>> E parse(Class<E> type, String value, String what) {
        E e = find(type, value);
        if (e == null) throw new Unknown(what, value, spellings(type));
        return e;
    }

    /**
     * The candidate closest to {@code value}, or null when none is close: one that starts with
     * it or that it starts with ({@code wanda} → {@code wanda-sp}), else the one at the smallest
     * edit distance when that distance is at most a third of the longer word (at least 1).
     */
    public static String closest(String value, List<String> candidates) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) return null;
        for (String c : candidates) {
            String lc = c.toLowerCase(Locale.ROOT);
            if (lc.startsWith(v) || v.startsWith(lc)) return c;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(v, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(1, Math.max(v.length(), best.length()) / 3) ? best : null;
    }

    /** Levenshtein distance (insertions, deletions, substitutions of one character). */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * A value that is none of the candidates: "unknown criterion 'wanda'; choose one of random,
     * l1, …; did you mean wanda-sp?". {@code what} is the setting's name as the caller knows it;
     * the CLI replaces it by the option's name.
     */
    public static final class Unknown extends BadInputException {
        private final String value;
        private final List<String> candidates;

        public Unknown(String what, String value, List<String> candidates) {
            super(message(what, value, candidates));
            this.value = value;
            this.candidates = List.copyOf(candidates);
        }

        public String value() { return value; }

        public List<String> candidates() { return candidates; }

        /** The message with another name for the setting (the CLI's option name). */
        public String messageFor(String what) {
            return message(what, value, candidates);
        }

        public static String message(String what, String value, List<String> candidates) {
            String near = closest(value, candidates);
            return "unknown " + what + " '" + value + "'; choose one of " + String.join(", ", candidates)
                    + (near != null ? "; did you mean " + near + "?" : "");
        }
    }
}
