package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import dev.lopper.tensor.DType;
import dev.lopper.util.PeakMemory;
import dev.lopper.util.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class PruningRecordTest {
    @TempDir
    Path dir;

    @Test
    void sha256OfKnownBytes() throws IOException {
        Path f = Files.writeString(dir.resolve("abc.txt"), "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.of(f));
        assertThrows(BadInputException.class, () -> Sha256.of(dir.resolve("missing")));
    }

    @Test
    void weightFilesOfADirectoryAreTheWeightsSortedByName() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("model-00002-of-00002.safetensors"), "b");
        Files.writeString(model.resolve("model-00001-of-00002.safetensors"), "a");
        Files.writeString(model.resolve("config.json"), "{}");
        List<Sha256.FileDigest> files = Sha256.weightFiles(model);
        assertEquals(2, files.size());
        assertTrue(files.get(0).path().endsWith("model-00001-of-00002.safetensors"));
        assertEquals(Sha256.of(model.resolve("model-00002-of-00002.safetensors")), files.get(1).sha256());
        assertEquals(1, Sha256.weightFiles(model.resolve("config.json")).size());
    }

    @Test
    void recordRoundTripsThroughJsonWrittenAtomically() throws IOException {
        LlamaModel dense = TestModels.uneven(1, false, false, DType.F32);
        KeepPlan plan = new KeepPlan(new int[][]{{1}, {0}}, new int[][]{{0, 2, 5}, {1, 6}});
        LlamaModel pruned = Surgery.apply(dense, plan);
        Path weights = Files.writeString(dir.resolve("model.safetensors"), "weights");
        Path calib = Files.writeString(dir.resolve("calib.txt"), "text");
        Instant start = Instant.now();
        PruningRecord r = new PruningRecord(PruningRecord.currentVersion(),
                new PruningRecord.Inputs(dir.toString(), Sha256.weightFiles(weights), Sha256.digest(calib)),
                new PruningRecord.Options("taylor-element", "uniform", 0.2, "both", 0, 2, false, false, 42, 10, 64, 0),
                PruningRecord.keptOf(plan.keptKvHeads(), plan.keptChannels()), PruningRecord.Parameters.of(dense, pruned), PruningRecord.Run.since(start));

        assertEquals(dense.parameterCount(), r.parameters().before());
        assertEquals(pruned.parameterCount(), r.parameters().after());
        assertEquals(1 - (double) pruned.parameterCount() / dense.parameterCount(), r.parameters().fractionRemoved(), 1e-12);
        assertTrue(r.run().peakMemoryBytes() > 0);

        Path out = dir.resolve("run/pruning.json");
        PruningRecordFile.write(r, out);
        PruningRecordFile.write(r, out);   // replacing an existing record works too
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(out), s.toList(), "no temporary file is left behind");
        }
        String json = Files.readString(out);
        assertTrue(json.contains("\"fractionRemoved\""), json);
        assertTrue(json.contains("\"sha256\" : \"" + Sha256.of(calib) + "\""), json);

        PruningRecord back = PruningRecordFile.read(out);
        assertEquals(r.options(), back.options());
        assertEquals(r.inputs(), back.inputs());
        assertEquals(r.parameters(), back.parameters());
        assertEquals(r.run(), back.run());
        assertArrayEquals(new int[]{0, 2, 5}, back.kept().get(0).channels());
        assertArrayEquals(new int[]{0}, back.kept().get(1).kvHeads());
    }

    @Test
    void unreadableRecordIsBadInput() throws IOException {
        Path f = Files.writeString(dir.resolve("pruning.json"), "{ not json");
        BadInputException e = assertThrows(BadInputException.class, () -> PruningRecordFile.read(f));
        assertTrue(e.getMessage().contains("pruning.json"));
    }
}
