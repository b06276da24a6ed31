package dev.lopper.recovery;

import dev.lopper.util.Sha256;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;
import dev.lopper.io.PruningRecord;
import dev.lopper.util.AtomicFiles;
import dev.lopper.util.ErrorText;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What recovery.json (beside pruning.json in a pruned folder) says about the recovery steps run on
 * a pruned model: the model they started from, the dense teacher (with checksums), the calibration
 * text, and each step's settings, with enough to reproduce it. A step that did not run is absent.
 *
 * @param student        the pruned folder recovery started from
 * @param teacher        the dense model the targets came from
 * @param teacherFiles   its weight files with checksums
 * @param reconstruction the least-squares re-fit, null when not run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecoveryRecord(String lopperVersion, String student, String teacher,
                             List<Sha256.FileDigest> teacherFiles, Reconstructed reconstruction) {
    public static final String FILE_NAME = "recovery.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param mode        one-shot or sequential
     * @param ridge       λ as a fraction of the mean diagonal of each kept-input Gram
     * @param calibration the calibration text with its checksum
     * @param windows     calibration windows used
     * @param length      tokens per window
     * @param seed        seed of the windows' offsets ({@link dev.lopper.calib.CalibrationData#random})
     * @param fits        per consumer: what was re-fitted and its relative output error before and after
     */
    public record Reconstructed(String mode, double ridge, Sha256.FileDigest calibration, int windows,
                                int length, long seed, long tokens, List<Reconstruction.Fit> fits,
                                PruningRecord.Run run) {}

    public void write(Path file) {
        AtomicFiles.write(file, out -> JSON.writeValue(out, this));
    }

    public static RecoveryRecord read(Path file) {
        try {
            return JSON.readValue(file.toFile(), RecoveryRecord.class);
        } catch (IOException e) {
            throw new BadInputException(file, "not a readable recovery record: " + ErrorText.of(e), e);
        }
    }
}
