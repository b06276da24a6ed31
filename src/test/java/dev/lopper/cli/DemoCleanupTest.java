package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A demo that fails after it has started writing its report folder leaves no half-made folder. */
class DemoCleanupTest {
    @TempDir
    Path tmp;

    @Test
    void failedDemoLeavesNoReportFolder() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("../shared/data/eval/wikitext2")), "needs ../shared/data");
        // The embedded model with a context of 100 tokens: pruning (calibration clamped to 100) works,
        // the 128-token perplexity windows that follow are refused, after pruned-model/ was written.
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(PruneCliTest.MODEL)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, model.resolve(f.getFileName()));
        }
        Path cfg = model.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"max_position_embeddings\": 512", "\"max_position_embeddings\": 100"));
        Path report = tmp.resolve("reports/demo");
        BadInputCliTest.Outcome o = PruneCliTest.lopper("demo", "--model", model.toString(), "--method", "custom",
                "--report", report.toString(), "--quiet");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("128") && o.err().contains("100"), o.err());
        assertFalse(Files.exists(report), "half-made report folder left");
        if (Files.isDirectory(tmp.resolve("reports"))) {
            try (Stream<Path> left = Files.list(tmp.resolve("reports"))) {
                assertEquals(List.of(), left.toList(), "no staging folders either");
            }
        }
    }
}
