package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Builds the pre-tokenizer of a tokenizer.json; refuses types it does not implement. */
final class PreTokenizers {
    private PreTokenizers() {}

    static PreTokenizer read(ComponentSpec spec) {
        if (spec.node() == null || spec.node().isNull() || spec.node().isMissingNode()) return PreTokenizer.NONE;
        return switch (spec.type()) {
            case "Sequence" -> sequence(spec);
            case "Split" -> split(spec);
            case "ByteLevel" -> ByteLevel.preTokenizer(spec);
            case "Metaspace" -> Metaspace.preTokenizer(spec);
            default -> throw spec.unsupported();
        };
    }

    /** Each step splits every word that the steps before it produced. */
    private static PreTokenizer sequence(ComponentSpec spec) {
        List<PreTokenizer> steps = new ArrayList<>();
        for (JsonNode inner : spec.node().path("pretokenizers")) steps.add(read(spec.child(inner)));
        return (piece, out) -> {
            List<Piece> current = List.of(piece);
            for (PreTokenizer step : steps) {
                List<Piece> next = new ArrayList<>();
                for (Piece p : current) step.split(p, next);
                current = next;
            }
            out.addAll(current);
        };
    }

    private static PreTokenizer split(ComponentSpec spec) {
        TextPattern pattern = TextPattern.read(spec);
        SplitBehavior behavior = SplitBehavior.read(spec);
        boolean invert = spec.flag("invert", false);
        return (piece, out) -> behavior.apply(piece, pattern.matches(piece.text()), invert, out);
    }
}
