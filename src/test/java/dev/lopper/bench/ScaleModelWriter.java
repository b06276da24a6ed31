package dev.lopper.bench;

import dev.lopper.io.HfConfig;
import dev.lopper.io.SafeTensorsWriter;
import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes an HF checkpoint of a LLaMA config.json (bench/shapes) with seeded random bf16 weights,
 * sharded as transformers' save_pretrained shards (5 GB, state-dict order), one tensor in memory
 * at a time: for scale runs at sizes this machine has no real checkpoint of. Values: linear
 * weights and embeddings uniform with the config's initializer_range as standard deviation
 * (0.02, the scale of LLaMA's trained projections), norm weights 1 (as HF initialises them), so
 * activations, losses and gradients are of realistic size; only memory and time mean anything.
 * Each tensor's values depend only on the seed, its name and its row block, never on threads.
 *
 * <p>Usage: {@code ScaleModelWriter CONFIG_JSON OUT_DIR SEED TOKENIZER_DIR [MAX_SHARD_BYTES]}
 * (bench/make-random calls it).
 */
public final class ScaleModelWriter {
    private static final int BLOCK_ROWS = 64;

    private ScaleModelWriter() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || args.length > 5) {
            System.err.println("usage: ScaleModelWriter CONFIG_JSON OUT_DIR SEED TOKENIZER_DIR [MAX_SHARD_BYTES]");
            System.exit(2);
        }
        Path configJson = Path.of(args[0]), out = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        Path tokenizerDir = Path.of(args[3]);
        long maxShard = args.length > 4 ? Long.parseLong(args[4]) : SafeTensorsWriter.HF_MAX_SHARD_BYTES;
        ModelConfig c = HfConfig.read(configJson);
        float std = (float) initializerRange(configJson);
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        List<SafeTensorsWriter.Tensor> tensors = tensors(c, seed, std);
        long bytes = 0;
        for (SafeTensorsWriter.Tensor t : tensors) bytes += t.byteSize();
        List<Path> files = SafeTensorsWriter.writeModel(out, tensors, maxShard);
        Files.copy(configJson, out.resolve(HfConfig.FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
            Path src = tokenizerDir.resolve(f);
            if (Files.isRegularFile(src)) Files.copy(src, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.printf("wrote %s: %,d parameters, %.2f GB of bf16 in %d file(s), %.0f s%n", out,
                c.parameterCount(), bytes / 1e9, files.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** The tensors in the state-dict order of transformers' LlamaForCausalLM. */
    public static List<SafeTensorsWriter.Tensor> tensors(ModelConfig c, long seed, float std) {
        List<SafeTensorsWriter.Tensor> out = new ArrayList<>();
        add(out, c, Param.EMBED, -1, seed, std);
        List<Param> order = List.of(Param.Q, Param.K, Param.V, Param.O, Param.GATE, Param.UP, Param.DOWN,
                Param.ATTN_NORM, Param.MLP_NORM);
        for (int l = 0; l < c.numLayers(); l++) for (Param p : order) add(out, c, p, l, seed, std);
        add(out, c, Param.FINAL_NORM, -1, seed, std);
        if (c.has(Param.LM_HEAD)) add(out, c, Param.LM_HEAD, -1, seed, std);
        return out;
    }

    private static void add(List<SafeTensorsWriter.Tensor> out, ModelConfig c, Param p, int layer, long seed, float std) {
        LayerShape s = layer < 0 ? null : c.layer(layer);
        int rows = p.rows(c, s), cols = p.cols(c, s);
        String name = p.tensorName(layer);
        long[] shape = p.vector() ? new long[] {cols} : new long[] {rows, cols};
        out.add(new SafeTensorsWriter.Tensor(name, DType.BF16, shape,
                () -> p.vector() ? ones(rows, cols) : uniform(name, rows, cols, seed, std)));
    }

    private static Matrix ones(int rows, int cols) {
        short[] v = new short[rows * cols];
        java.util.Arrays.fill(v, DType.floatToBf16(1f));
        return Matrix.of(MemorySegment.ofArray(v), DType.BF16, rows, cols);
    }

    /** Uniform on [−a, a] with a = √3·std (standard deviation std), bf16, one random stream per row block. */
    static Matrix uniform(String name, int rows, int cols, long seed, float std) {
        short[] v = new short[Math.multiplyExact(rows, cols)];
        float a = (float) (Math.sqrt(3) * std);
        long base = seed * 0x9E3779B97F4A7C15L ^ fnv(name);
        IntStream.range(0, (rows + BLOCK_ROWS - 1) / BLOCK_ROWS).parallel().forEach(b -> {
            SplittableRandom r = new SplittableRandom(base + b * 0xBF58476D1CE4E5B9L);
            int from = b * BLOCK_ROWS * cols, to = Math.min(rows, (b + 1) * BLOCK_ROWS) * cols;
            for (int i = from; i < to; i++) v[i] = DType.floatToBf16(a * (2 * (float) r.nextDouble() - 1));
        });
        return Matrix.of(MemorySegment.ofArray(v), DType.BF16, rows, cols);
    }

    private static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        return h;
    }

    private static double initializerRange(Path configJson) throws java.io.IOException {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(configJson.toFile()).get("initializer_range");
        return node == null ? 0.02 : node.asDouble();
    }
}
