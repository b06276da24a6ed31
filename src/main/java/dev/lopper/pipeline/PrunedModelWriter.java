package dev.lopper.pipeline;

import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfTokenizer;
import dev.lopper.io.Llama2cTokenizer;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.recovery.RecoveryRecord;
import dev.lopper.io.PruningRecord;
import dev.lopper.io.PruningRecordFile;
import dev.lopper.util.FileModes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a pruned model as an HF folder: config.json, model.safetensors, the tokenizer files of
 * the dense model, pruning.json and a README.md model card that says what loads it ({@link ModelCard}). The folder appears complete or not at all.
 */
public final class PrunedModelWriter {
    /** Files of an HF folder that describe tokenization and generation, copied as they are. */
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "generation_config.json");

    private PrunedModelWriter() {}

    public static void write(LlamaModel pruned, Tokenizer tokenizer, PruningRecord record, Path out, boolean force) {
        write(pruned, tokenizer, out, force, record, null);
    }

    /** A pruned folder with recovery.json beside pruning.json (when {@code recovery} is not null). */
    public static void write(LlamaModel pruned, Tokenizer tokenizer, PruningRecord record, RecoveryRecord recovery,
                             Path out, boolean force) {
        write(pruned, tokenizer, out, force, record, recovery);
    }

    /** An HF folder of any model with its tokenizer files (lopper export --format hf). */
    public static void writeFolder(LlamaModel model, Tokenizer tokenizer, Path out, boolean force) {
        write(model, tokenizer, out, force, null, null);
    }

    /** An HF folder of any model with its tokenizer files and {@code extras} (lopper recover's merged LoRA output). */
    public static void writeFolder(LlamaModel model, Tokenizer tokenizer, Path out, boolean force, Checkpoints.ExtraFiles extras) {
        write(model, tokenizer, out, force, null, null, extras);
    }

    private static void write(LlamaModel pruned, Tokenizer tokenizer, Path out, boolean force, PruningRecord record,
                              RecoveryRecord recovery) {
        write(pruned, tokenizer, out, force, record, recovery, staging -> {});
    }

    private static void write(LlamaModel pruned, Tokenizer tokenizer, Path out, boolean force, PruningRecord record,
                              RecoveryRecord recovery, Checkpoints.ExtraFiles extras) {
        Checkpoints.saveHf(pruned, out, force, staging -> {
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
            if (record != null) {
                PruningRecordFile.write(record, staging.resolve("pruning.json"));
                if (recovery != null) recovery.write(staging.resolve(RecoveryRecord.FILE_NAME));
                Files.writeString(staging.resolve(ModelCard.FILE_NAME),
                        ModelCard.render(out.toAbsolutePath().normalize().getFileName().toString(), pruned.config(), record));
                // The pruned folder is as readable as the model it came from (not 0600 like a temp file).
                FileModes.copyFromModel(Path.of(record.inputs().model()), staging);
            }
            extras.writeInto(staging);
        });
    }
}
