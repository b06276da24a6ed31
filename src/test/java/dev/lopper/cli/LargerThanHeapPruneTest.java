package dev.lopper.cli;

import dev.lopper.bench.ScaleModelWriter;
import dev.lopper.io.HfConfig;
import dev.lopper.io.SafeTensorsWriter;
import dev.lopper.io.ShardedSafeTensors;
import dev.lopper.model.LayerShape;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Layer-by-layer memory, guarded: a generated bf16 model of 40 thin layers (155 MB, sharded) is
 * pruned by `lopper prune` in a child JVM whose heap (-Xmx96m) is smaller than the model, than
 * the pruned model (what an eager surgery held) and far smaller than one fp32 buffer over all
 * scored weights (Σg and Σg² of the second-order Taylor: 587 MB). It passes only while every
 * stage holds a few layers: calibration's backward (second order, the Fisher path), surgery and
 * sharded HF writing, with mapped pages released layer by layer (-Dlopper.releasePages=true).
 */
class LargerThanHeapPruneTest {
    static final int LAYERS = 40, HIDDEN = 256, INTERMEDIATE = 2048, HEADS = 4, VOCAB = 8192;
    static final long HEAP_BYTES = 96L << 20;

    @TempDir
    static Path tmp;
    static Path model;

    static ModelConfig config() {
        return config(LAYERS);
    }

    /** {@code layers} thin bf16 layers (hidden 256, MLP 2048, 4 heads), vocabulary 8192. */
    static ModelConfig config(int layers) {
        LayerShape s = new LayerShape(HEADS, HEADS, HIDDEN / HEADS, INTERMEDIATE);
        return ModelConfig.builder(Family.LLAMA)
                .hiddenSize(HIDDEN).vocabSize(VOCAB).maxPositions(512)
                .layers(Collections.nCopies(layers, s)).rmsNormEps(1e-5f).ropeTheta(10000f).bosTokenId(1)
                .eosTokenId(2)
                .build();
    }

    /** Writes a seeded random bf16 HF folder of {@code c} in shards of {@code shardBytes}, with PruneCliTest's tokenizer. */
    static void writeModel(Path dir, ModelConfig c, long seed, long shardBytes) throws IOException {
        Files.createDirectories(dir);
        SafeTensorsWriter.writeModel(dir, ScaleModelWriter.tensors(c, seed, 0.02f), shardBytes);
        HfConfig.write(c, DType.BF16, dir.resolve(HfConfig.FILE_NAME));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"))
            Files.copy(PruneCliTest.MODEL.resolve(f), dir.resolve(f));
    }

    /** The command line of `lopper ARGS` in a child JVM with a heap of {@code heapBytes} and the serial collector. */
    static List<String> childLopper(long heapBytes, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx" + (heapBytes >> 20) + "m", "-XX:+UseSerialGC"));
        for (String a : args) if (a.startsWith("-D")) cmd.add(a);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lopper.cli.Main"));
        for (String a : args) if (!a.startsWith("-D")) cmd.add(a);
        return cmd;
    }

    @BeforeAll
    static void writeModel() throws IOException {
        model = tmp.resolve("thin-40-layers");
        // Shards of 40 MB: the sharded reader and writer are on the path too.
        writeModel(model, config(), 7, 40_000_000L);
    }

    @Test
    void premise() {
        ModelConfig c = config();
        long scored = 0;
        for (int l = 0; l < LAYERS; l++) scored += c.layerParameters(c.layer(l));
        assertTrue(scored * 8 > 5 * HEAP_BYTES, "Σg and Σg² over all weights would not fit the heap 5 times over");
        assertTrue(c.parameterCount() * 2 * 0.8 > HEAP_BYTES, "the pruned bf16 model is larger than the heap");
        assertTrue(Files.isRegularFile(model.resolve(ShardedSafeTensors.INDEX_NAME)), "the model is sharded");
    }

    @Test
    void secondOrderPruneOfAModelLargerThanTheHeapRunsLayerByLayer() throws Exception {
        Path out = tmp.resolve("pruned"), json = tmp.resolve("result.json");
        List<String> cmd = childLopper(HEAP_BYTES, "-Dlopper.releasePages=true",
                "prune", "--model", model.toString(), "--criterion", "taylor-element", "--second-order",
                "--layers", "0:0", "--calib", "data/demo/c4-train-00000-head.jsonl", "--calib-windows", "4",
                "--calib-len", "40", "--target", "0.2", "--out", out.toString(), "--json", json.toString(), "--quiet");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), log);
        assertTrue(Files.isRegularFile(out.resolve(SafeTensorsWriter.SINGLE_FILE)), log);
        var result = JsonOut.MAPPER.readTree(json.toFile());
        List<String> stages = new ArrayList<>();
        result.get("stages").forEach(s -> stages.add(s.get("name").asText()));
        assertEquals(List.of("load", "calibration", "scoring", "allocation", "selection", "surgery and writing"), stages);
        assertEquals(0.2, result.get("record").get("parameters").get("fractionRemoved").asDouble(), 0.01);
    }
}
