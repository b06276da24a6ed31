package dev.lopper.calib;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads calibration text: a C4 slice (JSONL, one {@code {"text": ...}} object a line) or a
 * plain UTF-8 text file. Documents of a JSONL file are joined with a blank line ("\n\n"), the
 * same separator as the WikiText-2 protocol.
 */
public final class CalibrationText {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CalibrationText() {}

    /** The text of a file: JSONL when its name ends in .jsonl or .json, else plain text. */
    public static String read(Path file) {
        String name = file.getFileName().toString().toLowerCase();
        if (name.endsWith(".jsonl") || name.endsWith(".json")) return String.join("\n\n", documents(file, Integer.MAX_VALUE));
        return plain(file);
    }

    /** The whole file as UTF-8 text. */
    public static String plain(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read as UTF-8 text: " + e.getMessage(), e);
        }
    }

    /** The "text" field of the first {@code max} lines of a JSONL file (blank lines skipped). */
    public static List<String> documents(Path file, int max) {
        List<String> docs = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while (docs.size() < max && (line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new BadInputException(file, "line " + lineNo + " is not JSON: " + e.getOriginalMessage(), e);
                }
                JsonNode text = node == null ? null : node.get("text");
                if (text == null || !text.isTextual())
                    throw new BadInputException(file, "line " + lineNo + " has no \"text\" string field");
                docs.add(text.asText());
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
        if (docs.isEmpty()) throw new BadInputException(file, "no documents");
        return docs;
    }
}
