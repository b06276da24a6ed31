package dev.lopper.io;

import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds and opens the tokenizer that belongs to a model. */
public final class Tokenizers {

    private Tokenizers() {}

    /**
     * The tokenizer for a model: {@code explicitTokenizer} when given (.json → HF, .bin →
     * llama2.c, a folder → its tokenizer.json); else tokenizer.json in an HF model folder, or
     * tokenizer.bin / tok*.bin beside a llama2.c {@code .bin} checkpoint.
     */
    public static Tokenizer forModel(Path modelPathOrDir, Path explicitTokenizer) {
        return open(locate(modelPathOrDir, explicitTokenizer));
    }

    /**
     * Like {@link #forModel(Path, Path)}, and refused when the tokenizer's vocabulary is larger
     * than the model's ({@code modelVocab} rows of the embedding): it could produce ids the model
     * has no embedding for. The error names both files.
     */
    public static Tokenizer forModel(Path modelPathOrDir, Path explicitTokenizer, int modelVocab) {
        Path file = locate(modelPathOrDir, explicitTokenizer);
        Tokenizer tok = open(file);
        if (tok.vocabSize() > modelVocab) {
            tok.close();
            throw new BadInputException(file, "the tokenizer has " + tok.vocabSize() + " tokens, more than the "
                    + modelVocab + " of the model " + modelPathOrDir + "; is it the model's tokenizer?");
        }
        return tok;
    }

    /** The tokenizer file {@link #forModel} would open, or null when there is none (for the output guard). */
    public static Path find(Path modelPathOrDir, Path explicitTokenizer) {
        if (explicitTokenizer != null) return explicitTokenizer;
        if (modelPathOrDir == null) return null;
        try {
            return locate(modelPathOrDir, null);
        } catch (BadInputException e) {
            return null;
        }
    }

    private static Path locate(Path modelPathOrDir, Path explicitTokenizer) {
        if (explicitTokenizer != null) return explicitTokenizer;
        if (dev.lopper.io.gguf.GgufFiles.isGguf(modelPathOrDir)) return modelPathOrDir;   // its own vocabulary
        List<Path> looked = new ArrayList<>();
        for (Path candidate : candidates(modelPathOrDir)) {
            if (Files.isRegularFile(candidate)) return candidate;
            looked.add(candidate);
        }
        throw new BadInputException(modelPathOrDir, "no tokenizer found (looked for "
                + String.join(", ", looked.stream().map(Path::toString).toList())
                + "); pass the tokenizer file explicitly");
    }

    /** Opens a tokenizer file by its kind: .bin is llama2.c, anything else tokenizer.json. */
    public static Tokenizer open(Path tokenizer) {
        if (Files.isDirectory(tokenizer)) return HfTokenizer.load(tokenizer);
        if (!Files.exists(tokenizer)) throw new BadInputException(tokenizer, "tokenizer file not found");
        String name = tokenizer.getFileName().toString().toLowerCase();
        if (name.endsWith(".bin")) return Llama2cTokenizer.load(tokenizer);
        if (dev.lopper.io.gguf.GgufFiles.isGguf(tokenizer)) return dev.lopper.io.gguf.GgufTokenizer.load(tokenizer);
        if (name.endsWith(".json")) return HfTokenizer.load(tokenizer);
        throw new BadInputException(tokenizer,
                "unknown tokenizer kind (expected tokenizer.json or a llama2.c tokenizer .bin)");
    }

    /** Where a model's tokenizer may be, in order of preference. */
    private static List<Path> candidates(Path model) {
        Path abs = model.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return List.of(abs.resolve("tokenizer.json"), abs.resolve("tokenizer.bin"));
        }
        Path dir = abs.getParent();
        String name = abs.getFileName().toString();
        if (!name.endsWith(".bin")) return List.of(dir.resolve("tokenizer.json"));
        List<Path> found = new ArrayList<>();
        found.add(dir.resolve("tokenizer.bin"));
        found.addAll(tokBinsBeside(dir, abs));
        if (found.size() == 1) found.add(dir.resolve("tok*.bin"));
        return found;
    }

    /** tok*.bin files in {@code dir}, sorted by name, other than the model itself. */
    private static List<Path> tokBinsBeside(Path dir, Path model) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.startsWith("tok") && n.endsWith(".bin") && !n.equals("tokenizer.bin")
                                && !p.equals(model);
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
