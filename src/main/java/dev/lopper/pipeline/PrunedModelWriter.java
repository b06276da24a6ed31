package dev.lopper.pipeline;

import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfTokenizer;
import dev.lopper.io.Llama2cTokenizer;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.surgery.PruningRecord;
import dev.lopper.surgery.PruningRecordFile;
import dev.lopper.util.FileModes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a pruned model as an HF folder: config.json, model.safetensors, the tokenizer files of
 * the dense model, and pruning.json. The folder appears complete or not at all.
 */
public final class PrunedModelWriter {
    /** Files of an HF folder that describe tokenization and generation, copied as they are. */
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "generation_config.json");

    private PrunedModelWriter() {}

    public static void write(LlamaModel pruned, Tokenizer tokenizer, PruningRecord record, Path out, boolean force) {
        Checkpoints.saveHf(pruned, out, force, staging -> {
            if (tokenizer instanceof HfTokenizer hf) {
                Path dir = hf.file().toAbsolutePath().getParent();
                for (String name : TOKENIZER_FILES) {
                    Path f = dir.resolve(name);
                    if (Files.isRegularFile(f)) Files.copy(f, staging.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            } else if (tokenizer instanceof Llama2cTokenizer l2c) {
                Files.copy(l2c.file(), staging.resolve("tokenizer.bin"), StandardCopyOption.REPLACE_EXISTING);
            }
            PruningRecordFile.write(record, staging.resolve("pruning.json"));
            // The pruned folder is as readable as the model it came from (not 0600 like a temp file).
            FileModes.copyFromModel(Path.of(record.inputs().model()), staging);
        });
    }
}
