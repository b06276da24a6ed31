package dev.lopper.pipeline;

import dev.lopper.eval.ModelCard;
import dev.lopper.io.HfFolder;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.recovery.RecoveryRecord;
import dev.lopper.io.PruningRecord;
import dev.lopper.io.PruningRecordFile;
import dev.lopper.util.FileModes;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a pruned model as an HF folder ({@link HfFolder}: config.json, model.safetensors, the
 * tokenizer files of the dense model) with pruning.json, recovery.json when there is one, and a
 * * README.md model card that says what loads it ({@link ModelCard}). The folder appears complete
 * or not at all.
 */
public final class PrunedModelWriter {
    private PrunedModelWriter() {}

    public static void write(LlamaModel pruned, Tokenizer tokenizer, PruningRecord record, Path out, boolean force) {
        write(pruned, tokenizer, record, null, out, force);
    }

    /** A pruned folder with recovery.json beside pruning.json (when {@code recovery} is not null). */
    public static void write(LlamaModel pruned, Tokenizer tokenizer, PruningRecord record, RecoveryRecord recovery,
                             Path out, boolean force) {
        HfFolder.write(pruned, tokenizer, out, force, staging -> {
            PruningRecordFile.write(record, staging.resolve("pruning.json"));
            if (recovery != null) recovery.write(staging.resolve(RecoveryRecord.FILE_NAME));
            Files.writeString(staging.resolve(ModelCard.FILE_NAME),
                    ModelCard.render(out.toAbsolutePath().normalize().getFileName().toString(), pruned.config(), record));
            // The pruned folder is as readable as the model it came from (not 0600 like a temp file).
            FileModes.copyFromModel(Path.of(record.inputs().model()), staging);
        });
    }
}
