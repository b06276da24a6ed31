package dev.lopper.allocation;

import dev.lopper.Setting;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.lopper.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an explicit per-layer list of pruning rates: a JSON array of numbers, or one number per
 * line (blank lines and lines starting with '#' are skipped), or an interrupted search's
 * provisional best-rates.json (an object with {@code provisional} and {@code rates}; a warning). Each rate must lie in [0, 1) and
 * there must be exactly one per layer; errors name the file and line.
 */
public final class RateFile {
    private RateFile() {}

    public static double[] read(Path file, int layers) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read the rate file: " + e.getMessage(), e);
        }
        String t = text.strip();
        List<double[]> rates = t.startsWith("[") ? json(file, text) : t.startsWith("{") ? object(file, text)
                : lines(file, text);
        if (rates.size() != layers)
            throw new BadInputException(file, "has " + rates.size() + " rates but the model has " + layers
                    + " layers (one rate per layer)");
        double[] out = new double[layers];
        for (int i = 0; i < layers; i++) {
            double r = rates.get(i)[0];
            if (!(r >= 0 && r < 1))
                throw new BadInputException(file, "line " + (int) rates.get(i)[1] + ": rate " + r
                        + " of layer " + i + " is outside [0, 1)");
            out[i] = r;
        }
        return out;
    }

    /**
     * A JSON object: a search's provisional best-rates.json (read, with a warning on stderr), or
     * another file of a run folder given by mistake (best.json: refused, pointing to best-rates.json).
     */
    private static List<double[]> object(Path file, String text) {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadInputException(file, "line " + e.getLocation().getLineNr() + ": not valid JSON: "
                    + nonNumber(e), e);
        }
        if (root.has("provisional") && root.path("rates").isArray()) {
            System.err.println("lopper: warning: " + file + " is provisional: " + root.path("provisional").asText());
            List<double[]> out = new ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode r : root.path("rates")) {
                if (!r.isNumber()) throw new BadInputException(file, "'" + r + "' in rates is not a number");
                out.add(new double[]{r.asDouble(), 0});
            }
            return out;
        }
        Path beside = file.resolveSibling("best-rates.json");
        if (root.has("rates") || root.has("seeds"))
            throw new BadInputException(file, "is a search's summary (best.json), not a rate list; "
                    + Setting.RATES.mention() + " reads "
                    + beside);
        throw new BadInputException(file, "is a JSON object; " + Setting.RATES.mention() + " reads a JSON array of rates (one per layer) "
                + "or one rate per line");
    }

    /** Jackson's message for a non-number such as NaN, in words (without its internal option names). */
    private static String nonNumber(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m != null && m.contains("Non-standard token")) {
            java.util.regex.Matcher t = java.util.regex.Pattern.compile("token '([^']*)'").matcher(m);
            return (t.find() ? t.group(1) : "this") + " is not a rate (a rate is a number in [0, 1))";
        }
        return dev.lopper.util.ErrorText.clean(m);
    }

    /** Pairs (rate, line number). */
    private static List<double[]> lines(Path file, String text) {
        List<double[]> out = new ArrayList<>();
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String s = lines[i].strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            try {
                out.add(new double[]{Double.parseDouble(s), i + 1});
            } catch (NumberFormatException e) {
                throw new BadInputException(file, "line " + (i + 1) + ": '" + s + "' is not a number");
            }
        }
        return out;
    }

    private static List<double[]> json(Path file, String text) {
        List<double[]> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(text)) {
            p.nextToken();   // the opening '['
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                int line = p.currentTokenLocation().getLineNr();
                if (t == null) throw new BadInputException(file, "line " + line + ": the JSON array is not closed");
                if (!t.isNumeric())
                    throw new BadInputException(file, "line " + line + ": '" + p.getText() + "' is not a number");
                out.add(new double[]{p.getDoubleValue(), line});
            }
            if (p.nextToken() != null)
                throw new BadInputException(file, "line " + p.currentTokenLocation().getLineNr()
                        + ": unexpected text after the JSON array");
        } catch (JsonProcessingException e) {
            throw new BadInputException(file, "line " + e.getLocation().getLineNr() + ": not valid JSON: "
                    + nonNumber(e), e);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot parse: " + dev.lopper.util.ErrorText.of(e), e);
        }
        return out;
    }
}
