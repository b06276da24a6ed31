package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lopper.BadInputException;
import java.nio.file.Path;

/**
 * One component object of a tokenizer.json ({"type": ..., options}) together with the file it
 * came from, so that every refusal names the file and the component.
 */
record ComponentSpec(JsonNode node, Path file, String role) {

    String type() {
        return node.path("type").asText("");
    }

    ComponentSpec child(JsonNode inner) {
        return new ComponentSpec(inner, file, role);
    }

    String text(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) throw bad("needs a string \"" + field + "\"");
        return value.asText();
    }

    boolean flag(String field, boolean absent) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? absent : value.asBoolean();
    }

    int number(String field, int absent) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? absent : value.asInt();
    }

    /** A single character option such as Metaspace's replacement or Strip's content. */
    int codePoint(String field) {
        String value = text(field);
        if (value.codePointCount(0, value.length()) != 1) throw bad("\"" + field + "\" must be one character");
        return value.codePointAt(0);
    }

    BadInputException unsupported() {
        return new BadInputException(file, "unsupported " + role + " type \"" + type()
                + "\" (Lopper's tokenizer supports BPE with the common normalizers, pre-tokenizers and decoders)");
    }

    BadInputException bad(String problem) {
        return new BadInputException(file, role + " " + type() + " " + problem);
    }
}
