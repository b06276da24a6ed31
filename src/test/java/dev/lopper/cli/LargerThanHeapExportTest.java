package dev.lopper.cli;

import dev.lopper.io.gguf.GgufFile;
import dev.lopper.model.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GGUF export, tensor by tensor: a generated bf16 model of 48 thin layers (184 MB, sharded) is
 * exported to GGUF by `lopper export` in a child JVM whose heap (-Xmx64m) is a third of the model.
 * The export must neither copy the model to the heap (the child would die of OutOfMemoryError)
 * nor keep its mapped pages: the writing stage's peak resident set (from `--json`) may grow by
 * less than half the model over the load's. Writing each tensor from the mapped file without
 * dropping its pages afterwards ({@code GgufWriter.RowSource#done}) grows it by the whole model.
 */
class LargerThanHeapExportTest {
    static final int LAYERS = 48;
    static final long HEAP_BYTES = 64L << 20;

    @TempDir
    static Path tmp;
    static Path model;
    static long modelBytes;

    @BeforeAll
    static void writeModel() throws IOException {
        model = tmp.resolve("thin-48-layers");
        ModelConfig c = LargerThanHeapPruneTest.config(LAYERS);
        LargerThanHeapPruneTest.writeModel(model, c, 11, 50_000_000L);
        modelBytes = c.parameterCount() * 2;
    }

    @Test
    void premise() {
        assertTrue(modelBytes > 2.5 * HEAP_BYTES, "the bf16 model is more than 2.5 times the heap: " + modelBytes);
    }

    @Test
    void exportsAModelLargerThanTheHeapOneTensorAtATime() throws Exception {
        Path out = tmp.resolve("thin.gguf"), json = tmp.resolve("export.json");
        List<String> cmd = LargerThanHeapPruneTest.childLopper(HEAP_BYTES, "export", "--model", model.toString(),
                "--format", "gguf", "--dtype", "f16", "--out", out.toString(), "--json", json.toString(), "--quiet");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), log);

        assertEquals(9 * LAYERS + 3, GgufFile.open(out).tensors().size(), "embedding, 9 tensors a layer, final norm, output");
        var result = JsonOut.MAPPER.readTree(json.toFile());
        List<String> stages = new ArrayList<>();
        result.get("stages").forEach(s -> stages.add(s.get("name").asText()));
        assertEquals(List.of("load", "writing"), stages);
        long loadPeak = result.get("stages").get(0).get("peakRssBytes").asLong();
        long writePeak = result.get("stages").get(1).get("peakRssBytes").asLong();
        assertTrue(loadPeak > 0 && writePeak >= loadPeak, log);
        assertTrue(writePeak - loadPeak < modelBytes / 2, "writing grew the resident set by "
                + (writePeak - loadPeak) / 1_000_000 + " MB for a model of " + modelBytes / 1_000_000 + " MB");
    }
}
