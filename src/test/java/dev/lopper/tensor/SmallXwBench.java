package dev.lopper.tensor;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The small-m backward product dy[8, 11008] · W[11008, 4096] with its sum split into {@code blocks}
 * partials: 16 is what {@link PackedGemm#xwBlocks} fixes now for any thread count; 4 is what the
 * earlier per-thread split used on a 2-thread machine (2 per thread). Both in one JMH run, so the
 * ratio is measured under the same load. Run with {@code bench/jmh SmallXwBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class SmallXwBench {
    static final int M = 8, K = 4096, N = 11008;

    @Param({"4", "16"})
    public int blocks;

    float[] dy, dx;
    Matrix w;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(42);
        float[] v = new float[N * K];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * 0.02f;
        w = Matrix.wrap(v, N, K);
        dy = new float[M * N];
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
        dx = new float[M * K];
    }

    @Benchmark
    public float[] xw_small_f32() {
        PackedGemm.smallXw(dy, M, w, dx, false, blocks);
        return dx;
    }
}
