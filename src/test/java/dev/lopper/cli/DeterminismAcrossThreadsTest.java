package dev.lopper.cli;

import dev.lopper.importance.ScoringContext;
import dev.lopper.model.CausalLM;
import dev.lopper.model.Pass;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.Calibrator;
import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.calib.TaylorStats;
import dev.lopper.importance.Criteria;
import dev.lopper.importance.Scores;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.GradientSink;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.io.PruningRecord;
import dev.lopper.io.PruningRecordFile;
import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.Parallel;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same model, data and seed give the same bits with 1, 2, 3 and 8 threads: logits, weight
 * gradients (also of the small-m backward GEMM, whose sum is split in blocks), Taylor and
 * Wanda-sp scores, kept sets, and the bytes of the written model. Each run loads the model
 * afresh and re-sizes the kernel pool ({@link Parallel#configure}) with every job split, however
 * small, so the work really is divided differently per thread count.
 */
class DeterminismAcrossThreadsTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");
    static final int[] THREADS = {1, 2, 3, 8};

    @TempDir
    static Path tmp;

    @AfterAll
    static void restorePool() {
        Parallel.reset();
    }

    /** Everything one thread count produced, as exact bits (hex digests) and kept sets. */
    private record Run(Map<String, String> digests, List<String> kept, byte[] written) {}

    @Test
    void resultsAreBitIdenticalForOneTwoThreeAndEightThreads() throws Exception {
        Path calib = Path.of("README.md");          // any English text will do
        List<Run> runs = new ArrayList<>();
        for (int threads : THREADS) {
            Parallel.configure(threads, 0);
            runs.add(run(threads, calib));
        }
        Parallel.reset();
        Run first = runs.get(0);
        assertTrue(first.digests().size() > 40, "digests " + first.digests().keySet());
        for (int i = 1; i < runs.size(); i++) {
            Run r = runs.get(i);
            String with = THREADS[i] + " threads vs " + THREADS[0];
            for (var e : first.digests().entrySet())
                assertEquals(e.getValue(), r.digests().get(e.getKey()), e.getKey() + ": " + with);
            assertEquals(first.kept(), r.kept(), "kept groups: " + with);
            assertArrayEquals(first.written(), r.written(), "model.safetensors bytes: " + with);
        }
    }

    private Run run(int threads, Path calib) throws Exception {
        Map<String, String> d = new LinkedHashMap<>();
        LlamaModel model = Checkpoints.load(MODEL);         // a separately loaded model each time
        Transformer t = new Transformer(model);
        int vocab = model.config().vocabSize();

        int[] tokens = TestModels.tokens(5, 2 * 40, vocab);
        d.put("logits", digest(t.logits(tokens, 2, 40, Pass.plain())));

        // 10 rows: the backward products dy·W take the small-m path that sums per-block partials.
        for (int len : new int[] {10, 40}) {
            int[] ids = TestModels.tokens(len, len, vocab);
            CausalLM.Loss loss = t.backward(ids, 1, len, Pass.plain(), new GradientSink() {
                @Override
                public boolean wants(int layer, Param param) { return true; }

                @Override
                public void accept(int layer, Param param, Matrix weight, float[] grad) {
                    d.put("grad len " + len + " layer " + layer + " " + param, digest(grad));
                }
            });
            d.put("loss len " + len, Long.toHexString(Double.doubleToRawLongBits(loss.sumNll())));
        }

        int[] corpus = TestModels.tokens(9, 4000, vocab);
        CalibrationData data = CalibrationData.random(corpus, 4, 32, 7);
        Statistics stats = Calibrator.collect(t, data, EnumSet.of(Statistic.ACTIVATIONS, Statistic.FISHER),
                TaylorStats.Options.all(model.config()), 2, ProgressListener.NONE);
        for (String criterion : List.of("taylor-vector", "taylor-element", "wanda-sp", "flap")) {
            Scores s = Criteria.create(criterion).score(ScoringContext.of(model, stats));
            d.put("scores " + criterion, digest(s));
        }
        d.put("scores taylor-element second order",
                digest(Criteria.create("taylor-element", new Criteria.Options(0, true)).score(ScoringContext.of(model, stats))));

        // End to end: Taylor with the Fisher term, OWL allocation from activations, bias compensation.
        Path out = tmp.resolve("pruned-" + threads);
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(err, true), "prune", "--model", MODEL.toString(),
                "--criterion", "taylor-element", "--second-order", "--allocation", "owl", "--bias-compensation",
                "--calib", calib.toString(), "--calib-windows", "3", "--calib-len", "24", "--target", "0.3",
                "--out", out.toString(), "--quiet");
        assertEquals(0, code, err.toString());
        PruningRecord record = PruningRecordFile.read(out.resolve("pruning.json"));
        List<String> kept = new ArrayList<>();
        for (PruningRecord.LayerKept k : record.kept())
            kept.add(k.layer() + " " + java.util.Arrays.toString(k.kvHeads()) + " " + java.util.Arrays.toString(k.channels()));
        return new Run(d, kept, Files.readAllBytes(out.resolve("model.safetensors")));
    }

    private static String digest(float[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length);
        for (float v : a) b.putInt(Float.floatToRawIntBits(v));
        return sha(b.array());
    }

    private static String digest(Scores s) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        for (double[][] kind : new double[][][] {s.attention(), s.mlp()})
            for (double[] layer : kind)
                if (layer != null) for (double v : layer) b.putLong(Double.doubleToRawLongBits(v));
        return sha(java.util.Arrays.copyOf(b.array(), b.position()));
    }

    private static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
