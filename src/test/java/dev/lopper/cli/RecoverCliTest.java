package dev.lopper.cli;

import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfFamilyFixture;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.recovery.RecoveryRecord;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.lopper.cli.PruneCliTest.assertBadInput;
import static dev.lopper.cli.PruneCliTest.lopper;
import static org.junit.jupiter.api.Assertions.*;

/** `lopper recover --reconstruct` and `lopper prune --reconstruct` on the embedded model, and recover's bad inputs. */
class RecoverCliTest {
    static final Path MODEL = PruneCliTest.MODEL;

    @TempDir
    static Path tmp;
    static Path pruned, calib, text2;

    @BeforeAll
    static void pruneOnce() throws IOException {
        pruned = tmp.resolve("pruned");
        BadInputCliTest.Outcome o = lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--layers", "0:0",
                "--target", "0.25", "--out", pruned.toString(), "--quiet");
        assertEquals(0, o.code(), o.err());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 400; i++) sb.append("Once upon a time there was a little ").append(i % 7 == 0 ? "dog" : "cat")
                .append(" who liked to play in the park with friend number ").append(i).append(".\n");
        calib = Files.writeString(tmp.resolve("calib.txt"), sb.toString());
        text2 = Files.writeString(tmp.resolve("same-as-calib.txt"), sb.toString());
    }

    private static List<String> recover(Path teacher, Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("recover", "--model", pruned.toString(), "--teacher",
                teacher.toString(), "--reconstruct", "--calib", calib.toString(), "--calib-windows", "2",
                "--calib-len", "32", "--out", out.toString(), "--quiet"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void recoverWritesAPrunedFolderWithRecoveryJson() {
        Path out = tmp.resolve("recovered");
        BadInputCliTest.Outcome o = lopper(recover(MODEL, out, "--reconstruct-mode", "sequential").toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        RecoveryRecord r = RecoveryRecord.read(out.resolve(RecoveryRecord.FILE_NAME));
        assertEquals("sequential", r.reconstruction().mode());
        assertEquals(2, r.reconstruction().windows());
        assertFalse(r.reconstruction().fits().isEmpty());
        assertTrue(Files.exists(out.resolve("pruning.json")));
        LlamaModel before = Checkpoints.load(pruned), after = Checkpoints.load(out);
        assertEquals(before.parameterCount(), after.parameterCount(), "same shapes");
        assertFalse(java.util.Arrays.equals(before.layer(0).down().toFloats(), after.layer(0).down().toFloats()),
                "down_proj re-fitted");
        assertArrayEquals(before.layer(0).up().toFloats(), after.layer(0).up().toFloats(), "up_proj untouched");
    }

    @Test
    void pruneReconstructWithSearchRatesRecordsItBesidePruningJson() throws IOException {
        Path out = tmp.resolve("pruned-rec");
        // Rates as `lopper search` writes them (best-rates.json: a JSON array, one rate per layer).
        Path rates = Files.writeString(tmp.resolve("best-rates.json"), "[0.2, 0.3, 0.25, 0.25, 0.25, 0.25, 0.3, 0.2]");
        BadInputCliTest.Outcome o = lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--layers", "0:0",
                "--allocation", "file", "--rates", rates.toString(),
                "--target", "0.25", "--calib", calib.toString(), "--calib-windows", "2", "--calib-len", "32",
                "--reconstruct", "--ridge", "0.05", "--out", out.toString(), "--quiet");
        assertEquals(0, o.code(), o.err());
        RecoveryRecord r = RecoveryRecord.read(out.resolve(RecoveryRecord.FILE_NAME));
        assertEquals("one-shot", r.reconstruction().mode());
        assertEquals(0.05, r.reconstruction().ridge());
        assertNotNull(r.reconstruction().calibration().sha256());
    }

    @Test
    void teacherOfAnotherVocabularyIsRefused() {
        Path teacher = tmp.resolve("other-vocab");
        LlamaModel m = TestModels.uneven(1, false, false, DType.F32);
        Checkpoints.saveHf(m, teacher, true);
        Path out = tmp.resolve("x-vocab");
        assertBadInput(lopper(recover(teacher, out).toArray(String[]::new)), "vocabulary");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void teacherOfAnotherFamilyIsRefused() throws IOException {
        Path teacher = HfFamilyFixture.bloom(2, 16, 2, 2, 8192, true, false).write(tmp.resolve("bloom"));
        Path out = tmp.resolve("x-family");
        assertBadInput(lopper(recover(teacher, out).toArray(String[]::new)), "family");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void evalDataEqualToTheCalibrationTextIsRefused() {
        Path out = tmp.resolve("x-eval");
        assertBadInput(lopper(recover(MODEL, out, "--eval-data", calib.toString()).toArray(String[]::new)),
                "calibration text");
        assertBadInput(lopper(recover(MODEL, out, "--eval-data", text2.toString()).toArray(String[]::new)),
                "same-as-calib.txt", "calibration text");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void outputOnAnInputIsRefused() throws IOException {
        long files;
        try (var s = Files.list(pruned)) { files = s.count(); }
        assertBadInput(lopper(recover(MODEL, pruned, "--force").toArray(String[]::new)), "--out", "--model");
        assertBadInput(lopper(recover(MODEL, MODEL.resolve("sub"), "--force").toArray(String[]::new)), "--out", "--teacher");
        try (var s = Files.list(pruned)) { assertEquals(files, s.count(), "the pruned folder is untouched"); }
        assertTrue(Files.exists(MODEL.resolve("model.safetensors")));
        assertFalse(Files.exists(MODEL.resolve("sub")));
    }

    @Test
    void missingPiecesAreBadInput() {
        Path out = tmp.resolve("x-missing");
        assertBadInput(lopper("recover", "--model", pruned.toString(), "--out", out.toString()), "--reconstruct");
        assertBadInput(lopper("recover", "--model", pruned.toString(), "--reconstruct", "--calib", calib.toString(),
                "--out", out.toString()), "--teacher");
        assertBadInput(lopper("recover", "--model", MODEL.toString(), "--teacher", MODEL.toString(), "--reconstruct",
                "--calib", calib.toString(), "--out", out.toString()), "pruning.json");
        assertBadInput(lopper(recover(MODEL, out, "--reconstruct-mode", "twice").toArray(String[]::new)), "--reconstruct-mode");
        assertBadInput(lopper("prune", "--model", MODEL.toString(), "--criterion", "l2", "--ridge", "0.1", "--out",
                out.toString()), "--ridge", "--reconstruct");
        assertFalse(Files.exists(out), "nothing written");
    }
}
