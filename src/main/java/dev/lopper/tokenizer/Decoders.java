package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Builds the decoder of a tokenizer.json; refuses types it does not implement. */
final class Decoders {
    private Decoders() {}

    /** Without a decoder, HF joins the tokens with spaces. */
    static final Decoder NONE = tokens -> List.of(String.join(" ", tokens));

    static Decoder read(ComponentSpec spec) {
        if (spec.node() == null || spec.node().isNull() || spec.node().isMissingNode()) return NONE;
        return switch (spec.type()) {
            case "Sequence" -> sequence(spec);
            case "Replace" -> replace(TextPattern.read(spec), spec.text("content"));
            case "ByteFallback" -> Decoders::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> strip(spec.codePoint("content"), spec.number("start", 0), spec.number("stop", 0));
            case "ByteLevel" -> ByteLevel.decoder();
            case "Metaspace" -> Metaspace.decoder(spec);
            case "BPEDecoder" -> bpeSuffix(spec.node().path("suffix").asText("</w>"));
            default -> throw spec.unsupported();
        };
    }

    private static Decoder sequence(ComponentSpec spec) {
        List<Decoder> steps = new ArrayList<>();
        for (JsonNode inner : spec.node().path("decoders")) steps.add(read(spec.child(inner)));
        return tokens -> {
            for (Decoder step : steps) tokens = step.decode(tokens);
            return tokens;
        };
    }

    private static Decoder replace(TextPattern pattern, String content) {
        return tokens -> tokens.stream().map(t -> pattern.replaceAll(t, content)).toList();
    }

    /**
     * Runs of "<0xNN>" tokens become the text of their bytes; a run that is not valid UTF-8
     * becomes one U+FFFD per byte (HF's rule, which StreamingDecoder relies on).
     */
    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteList pending = new ByteList();
        for (String token : tokens) {
            int b = byteOf(token);
            if (b >= 0) {
                pending.add(b);
                continue;
            }
            flushBytes(pending, out);
            out.add(token);
        }
        flushBytes(pending, out);
        return out;
    }

    private static void flushBytes(ByteList pending, List<String> out) {
        if (pending.size() == 0) return;
        String text = Utf8.strict(pending.array(), pending.size());
        if (text != null) out.add(text);
        else for (int i = 0; i < pending.size(); i++) out.add("\uFFFD");
        pending.clear();
    }

    /** The byte of a "<0xNN>" token (six UTF-8 bytes, hex as Rust parses it), or -1. */
    private static int byteOf(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || !token.endsWith(">")) return -1;
        if (token.charAt(3) >= 0x80 || token.charAt(4) >= 0x80) return -1; // Java also parses non-ASCII digits
        try {
            int value = Integer.parseInt(token.substring(3, 5), 16);
            return value <= 0xFF && token.charAt(3) != '-' ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    private static Decoder strip(int content, int start, int stop) {
        return tokens -> tokens.stream().map(token -> {
            int[] cps = token.codePoints().toArray();
            int from = 0;
            while (from < Math.min(start, cps.length) && cps[from] == content) from++;
            int to = cps.length;
            while (cps.length - to < stop && to > from && cps[to - 1] == content) to--;
            return new String(cps, from, to - from);
        }).toList();
    }

    /** Word-end suffixes become spaces, except on the last token. */
    private static Decoder bpeSuffix(String suffix) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            }
            return out;
        };
    }
}
