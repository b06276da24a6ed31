package dev.lopper.io;

import dev.lopper.model.LlamaModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * An HF folder of a model with its tokenizer: config.json, model.safetensors, the tokenizer files
 * (copied from the folder the tokenizer came from, or written from a GGUF's vocabulary) and any
 * further files the caller adds (a pruned folder's records, a LoRA run's record). The folder
 * appears complete or not at all ({@link Checkpoints#saveHf}).
 */
public final class HfFolder {
    /** Files of an HF folder that describe tokenization and generation, copied as they are. */
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "generation_config.json");

    private HfFolder() {}

    /** An HF folder of any model with its tokenizer files (lopper export --format hf). */
    public static void write(LlamaModel model, Tokenizer tokenizer, Path out, boolean force) {
        write(model, tokenizer, out, force, staging -> {});
    }

    /** The same with {@code extras} written into the folder after the tokenizer files. */
    public static void write(LlamaModel model, Tokenizer tokenizer, Path out, boolean force, Checkpoints.ExtraFiles extras) {
        Checkpoints.saveHf(model, out, force, staging -> {
            writeTokenizer(tokenizer, staging);
            extras.writeInto(staging);
        });
    }

    private static void writeTokenizer(Tokenizer tokenizer, Path staging) throws IOException {
        if (tokenizer instanceof HfTokenizer hf) {
            if (hf.inMemory()) {
                hf.writeFiles(staging);     // the byte-level vocabulary of a GGUF
            } else {
                Path dir = hf.file().toAbsolutePath().getParent();
                for (String name : TOKENIZER_FILES) {
                    Path f = dir.resolve(name);
                    if (Files.isRegularFile(f)) Files.copy(f, staging.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } else if (tokenizer instanceof Llama2cTokenizer l2c) {
            if (dev.lopper.io.gguf.GgufFiles.isGguf(l2c.file())) l2c.writeBin(staging.resolve("tokenizer.bin"));   // the vocabulary of a GGUF
            else Files.copy(l2c.file(), staging.resolve("tokenizer.bin"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
