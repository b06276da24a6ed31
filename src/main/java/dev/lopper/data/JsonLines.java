package dev.lopper.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a JSON-lines file into objects, with errors that name the file and line. */
final class JsonLines {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Turns one parsed line into an example; {@code index} counts non-blank lines from 0. */
    @FunctionalInterface
    interface LineParser {
        TaskExample parse(JsonObject line, int index);
    }

    private JsonLines() {}

    static List<TaskExample> read(Path file, LineParser parser) {
        List<TaskExample> examples = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int lineNumber = 0;
            while ((text = reader.readLine()) != null) {
                lineNumber++;
                if (text.isBlank()) continue; // a trailing newline or blank separator is harmless
                JsonNode node;
                try {
                    node = MAPPER.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new BadInputException(file, "line " + lineNumber + ": malformed JSON ("
                            + e.getOriginalMessage() + ")");
                }
                if (node == null || !node.isObject()) {
                    throw new BadInputException(file, "line " + lineNumber + ": expected a JSON object");
                }
                examples.add(parser.parse(new JsonObject(file, lineNumber, node), examples.size()));
            }
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + dev.lopper.util.ErrorText.of(e) + ")", e);
        }
        if (examples.isEmpty()) throw new BadInputException(file, "no examples (empty file)");
        return examples;
    }

    /** One line's object, with typed accessors that fail with file and line in the message. */
    record JsonObject(Path file, int line, JsonNode node) {
        String text(String field) {
            JsonNode value = node.get(field);
            if (value == null || !value.isTextual()) throw problem("field \"" + field + "\" must be a string");
            return value.asText();
        }

        List<String> texts(String field) {
            JsonNode value = node.get(field);
            if (value == null || !value.isArray() || value.isEmpty()) {
                throw problem("field \"" + field + "\" must be a non-empty array of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isTextual()) throw problem("field \"" + field + "\" must hold only strings");
                out.add(item.asText());
            }
            return out;
        }

        /** The gold index, checked against the number of options. */
        int gold(String field, int options) {
            JsonNode value = node.get(field);
            if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
                throw problem("field \"" + field + "\" must be an integer");
            }
            int gold = value.asInt();
            if (gold < 0 || gold >= options) {
                throw problem("gold " + gold + " is out of range for " + options + " options");
            }
            return gold;
        }

        BadInputException problem(String what) {
            return new BadInputException(file, "line " + line + ": " + what);
        }
    }
}
