package dev.lopper.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece's word marking: spaces become a visible character (usually "▁") that starts
 * each word; the decoder turns it back into spaces.
 */
final class Metaspace {
    private Metaspace() {}

    /** When a "▁" is put before text that lacks one: always, only at the very start, never. */
    enum Prepend { ALWAYS, FIRST, NEVER }

    static PreTokenizer preTokenizer(ComponentSpec spec) {
        String marker = Character.toString(spec.codePoint("replacement"));
        Prepend scheme = prepend(spec);
        boolean split = spec.flag("split", true);
        TextPattern markers = TextPattern.literal(marker);
        return (piece, out) -> {
            String text = piece.text().replace(" ", marker);
            boolean prefix = switch (scheme) {
                case ALWAYS -> true;
                case FIRST -> piece.atStart();
                case NEVER -> false;
            };
            if (prefix && !text.startsWith(marker)) text = marker + text;
            Piece marked = new Piece(text, piece.atStart());
            if (split) SplitBehavior.MERGED_WITH_NEXT.apply(marked, markers.matches(text), false, out);
            else if (!text.isEmpty()) out.add(marked);
        };
    }

    /** The first token loses its markers (unless nothing was prepended); elsewhere they are spaces. */
    static Decoder decoder(ComponentSpec spec) {
        int marker = spec.codePoint("replacement");
        boolean dropFirst = prepend(spec) != Prepend.NEVER;
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                boolean drop = i == 0 && dropFirst;
                StringBuilder token = new StringBuilder();
                tokens.get(i).codePoints().forEach(cp -> {
                    if (cp != marker) token.appendCodePoint(cp);
                    else if (!drop) token.append(' ');
                });
                out.add(token.toString());
            }
            return out;
        };
    }

    /**
     * prepend_scheme ("always" when absent). The older add_prefix_space may only be false beside
     * an explicit "never": HF refuses to load any other combination, and so does Lopper.
     */
    private static Prepend prepend(ComponentSpec spec) {
        String scheme = spec.node().path("prepend_scheme").asText("always");
        Prepend prepend = switch (scheme) {
            case "always" -> Prepend.ALWAYS;
            case "first" -> Prepend.FIRST;
            case "never" -> Prepend.NEVER;
            default -> throw spec.bad("has an unknown prepend_scheme \"" + scheme + "\"");
        };
        if (!spec.flag("add_prefix_space", true) && prepend != Prepend.NEVER) {
            throw spec.bad("has add_prefix_space false but prepend_scheme \"" + scheme
                    + "\" (HF refuses the contradiction; write prepend_scheme \"never\")");
        }
        return prepend;
    }
}
