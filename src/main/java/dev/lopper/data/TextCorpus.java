package dev.lopper.data;

import dev.lopper.Setting;
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

/**
 * A text used for perplexity or calibration, resolved from a well-known name under the data
 * folder or from any file. Each name reproduces the string the papers tokenize; {@link #protocol}
 * says which.
 */
public record TextCorpus(String name, Path file, String text, String protocol) {

    /** Well-known corpora: name → (path under the data folder, how the text is assembled). */
    private enum Known {
        WIKITEXT2("wikitext2", "eval/wikitext2-hf-joined/wikitext-test.txt", Assembly.WHOLE,
                "WikiText-2 raw test, \"\\n\\n\".join(HF rows) (GPTQ/Wanda/LLM-Pruner)"),
        PTB("ptb", "eval/ptb/ptb.test.txt", Assembly.STRIPPED_LINES,
                "PTB test, lines stripped and joined with \"\\n\\n\""),
        PTB_VALID("ptb-valid", "eval/ptb/ptb.valid.txt", Assembly.STRIPPED_LINES,
                "PTB validation (what LLM-Pruner reports as 'ptb'), lines stripped and joined with \"\\n\\n\""),
        TINYSTORIES("tinystories", "eval/tinystories/tinystories_val.txt", Assembly.WHOLE,
                "TinyStories validation prefix, whole file"),
        C4("c4", "eval/c4/c4_sample.jsonl", Assembly.JSONL_TEXT,
                "C4 en train shard 00000, first 1000 documents, texts joined with \"\\n\\n\"");

        final String name, path, protocol;
        final Assembly assembly;

        Known(String name, String path, Assembly assembly, String protocol) {
            this.name = name;
            this.path = path;
            this.assembly = assembly;
            this.protocol = protocol;
        }
    }

    private enum Assembly { WHOLE, STRIPPED_LINES, JSONL_TEXT }

    public static List<String> knownNames() {
        List<String> names = new ArrayList<>();
        for (Known k : Known.values()) names.add(k.name);
        return names;
    }

    /**
     * Resolves a corpus: an existing file path always works (.jsonl → its "text" fields joined
     * with blank lines, otherwise the whole file); otherwise a known name under {@code dataDir}.
     */
    public static TextCorpus resolve(String nameOrPath, Path dataDir) {
        Path asFile = Path.of(nameOrPath);
        if (Files.isRegularFile(asFile)) {
            Assembly a = nameOrPath.endsWith(".jsonl") ? Assembly.JSONL_TEXT : Assembly.WHOLE;
            return new TextCorpus(asFile.getFileName().toString(), asFile, read(asFile, a),
                    a == Assembly.WHOLE ? "whole file" : "JSONL \"text\" fields joined with \"\\n\\n\"");
        }
        for (Known k : Known.values()) {
            if (k.name.equalsIgnoreCase(nameOrPath)) {
                Path f = DataDir.require(dataDir).resolve(k.path);
                if (!Files.isRegularFile(f))
                    throw new BadInputException(f, "not found (the '" + k.name + "' corpus); set " + Setting.DATA_FOLDER.mention() + " or LOPPER_DATA");
                return new TextCorpus(k.name, f, read(f, k.assembly), k.protocol);
            }
        }
        throw new BadInputException(nameOrPath + ": no such file, and not a known corpus (known: "
                + String.join(", ", knownNames()) + ")");
    }

    private static String read(Path f, Assembly a) {
        try {
            String text = switch (a) {
                case WHOLE -> Files.readString(f, StandardCharsets.UTF_8);
                case STRIPPED_LINES -> String.join("\n\n",
                        Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::strip).toList());
                case JSONL_TEXT -> jsonlTexts(f);
            };
            if (text.isBlank()) throw new BadInputException(f, "the text is empty");
            return text;
        } catch (java.nio.charset.MalformedInputException e) {
            throw new BadInputException(f, "not valid UTF-8 text");
        } catch (IOException e) {
            throw new BadInputException(f, "cannot read: " + e.getMessage());
        }
    }

    private static String jsonlTexts(Path f) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (IOException e) {
                    throw new BadInputException(f, "line " + no + ": not valid JSON");
                }
                JsonNode t = node.get("text");
                if (t == null || !t.isTextual()) throw new BadInputException(f, "line " + no + ": no \"text\" field");
                texts.add(t.asText());
            }
        }
        return String.join("\n\n", texts);
    }
}
