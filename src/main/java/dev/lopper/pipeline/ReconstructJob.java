package dev.lopper.pipeline;

import dev.lopper.BadInputException;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.CalibrationTokens;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.recovery.Reconstruction;
import dev.lopper.recovery.RecoveryRecord;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.io.PruningRecord;
import dev.lopper.util.Sha256;
import dev.lopper.util.ProgressListener;

import java.nio.file.Path;
import java.time.Instant;

/**
 * The reconstruction step of {@code lopper prune --reconstruct} and {@code lopper recover
 * --reconstruct}: cuts calibration windows from a text and re-fits the pruned model's consumers to
 * the dense teacher ({@link Reconstruction}); says what it did in a {@link RecoveryRecord}.
 */
public final class ReconstructJob {
    private ReconstructJob() {}

    /**
     * @param calibration corpus name or file
     * @param windows     calibration windows (fewer when the text is short)
     * @param length      tokens per window, clamped to the model's context
     * @param seed        seed of the windows' offsets (the same windows as pruning's calibration for equal settings)
     */
    public record Request(Reconstruction.Mode mode, double ridge, String calibration, int windows, int length, long seed) {}

    public record Outcome(LlamaModel model, RecoveryRecord record) {}

    public static Outcome run(Path teacherPath, LlamaModel teacher, Path studentPath, LlamaModel student, KeepPlan plan,
                              Tokenizer tok, Request r, Path dataDir, ProgressListener progress) {
        Instant start = Instant.now();
        int length = Math.min(r.length(), teacher.config().maxPositions());
        TextCorpus corpus = TextCorpus.resolve(r.calibration(), dataDir);
        // Twice the tokens the windows need, as pruning's calibration encodes (so equal settings give equal windows).
        int[] ids = CalibrationTokens.encode(tok, corpus.text(), 2L * r.windows() * length);
        int windows = Math.min(r.windows(), ids.length / Math.max(1, length));
        if (windows == 0)
            throw new BadInputException(corpus.file(), "calibration text has " + ids.length
                    + " tokens, shorter than one window of " + length);
        CalibrationData data = CalibrationData.random(ids, windows, length, r.seed());
        Reconstruction.Result res = Reconstruction.run(teacher, student, plan, data,
                new Reconstruction.Options(r.mode(), r.ridge(), Math.max(1, 1024 / length)), progress);
        RecoveryRecord.Reconstructed rec = new RecoveryRecord.Reconstructed(r.mode().label(), r.ridge(),
                Sha256.digest(corpus.file()), windows, length, r.seed(), res.tokens(), res.fits(),
                PruningRecord.Run.since(start));
        return new Outcome(res.model(), new RecoveryRecord(PruningRecord.currentVersion(),
                studentPath == null ? null : studentPath.toString(), teacherPath.toString(),
                Sha256.weightFiles(teacherPath), rec));
    }
}
