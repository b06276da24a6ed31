package dev.lopper.bench;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Gemm;
import dev.lopper.tensor.Matrix;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Gemm} at LLaMA-7B MLP sizes: x[512, 4096] · W[11008, 4096]ᵀ and its two backward
 * products, plus the m=1 decode GEMV (bf16 W) and the small-m backward dy[8, 11008] · W (the
 * path that sums per-block partials). Scores are ms per call; GFLOP/s = 2·m·n·k / time
 * ({@link #gflops}); bench/jmh prints them after the JMH table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBench {
    public static final int M = 512, K = 4096, N = 11008, M_SMALL = 8;

    float[] x, dy, y, dx, dw, x1, y1, dySmall, dxSmall;
    Matrix wF32, wBf16;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(42);
        float[] w = new float[N * K];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.02f;
        wBf16 = Matrix.fromFloats(w, N, K, DType.BF16);
        wF32 = Matrix.wrap(w, N, K);
        x = fill(r, M * K);
        dy = fill(r, M * N);
        x1 = fill(r, K);
        y = new float[M * N];
        dx = new float[M * K];
        dw = new float[N * K];
        y1 = new float[N];
        dySmall = fill(r, M_SMALL * N);
        dxSmall = new float[M_SMALL * K];
    }

    private static float[] fill(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** GFLOP/s of one call of an m×n×k product that takes {@code ms} milliseconds. */
    public static double gflops(long m, long n, long k, double ms) {
        return 2.0 * m * n * k / (ms * 1e6);
    }

    @Benchmark
    public float[] xwT_f32() {
        Gemm.xwT(x, M, wF32, y, false);
        return y;
    }

    @Benchmark
    public float[] xwT_bf16() {
        Gemm.xwT(x, M, wBf16, y, false);
        return y;
    }

    @Benchmark
    public float[] xw_f32() {
        Gemm.xw(dy, M, wF32, dx, false);
        return dx;
    }

    @Benchmark
    public float[] atb_f32() {
        Gemm.atb(dy, x, M, N, K, dw, false);
        return dw;
    }

    @Benchmark
    public float[] xw_small_f32() {
        Gemm.xw(dySmall, M_SMALL, wF32, dxSmall, false);
        return dxSmall;
    }

    @Benchmark
    public float[] gemv_bf16() {
        Gemm.xwT(x1, 1, wBf16, y1, false);
        return y1;
    }
}
