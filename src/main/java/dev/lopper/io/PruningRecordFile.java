package dev.lopper.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes and reads pruning.json. Writing goes to a temporary file in the same directory that is
 * then renamed over the target, so a crash never leaves a half-written record.
 */
public final class PruningRecordFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PruningRecordFile() {}

    public static void write(PruningRecord record, Path file) {
        dev.lopper.util.AtomicFiles.write(file, out -> JSON.writeValue(out, record));
    }

    public static PruningRecord read(Path file) {
        try {
            return JSON.readValue(file.toFile(), PruningRecord.class);
        } catch (IOException e) {
            throw new BadInputException(file, "not a readable pruning record: " + dev.lopper.util.ErrorText.of(e), e);
        }
    }
}
