package dev.lopper.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** All three {@link Gemm} products against a double-precision triple loop. */
class GemmTest {
    private static final int[] SIZES = {1, 3, 17, 31, 100, 257};
    /**
     * Set in KernelWidthTest's child JVMs: fewer small shapes, and only heap fp32 and mapped bf16
     * weights (the vector widening path), so the narrow widths run all paths in a few seconds.
     */
    static final boolean QUICK = Boolean.getBoolean("lopper.test.quickGemm");

    enum Kind { F32_HEAP, BF16, F16, F32_NATIVE, BF16_NATIVE }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian());
        return a;
    }

    /** The matrix and the fp32 values it really holds (after rounding to its dtype). */
    private record W(Matrix m, float[] values) {}

    private static W weight(Random r, int rows, int cols, Kind kind, Arena arena) {
        float[] v = random(r, rows * cols);
        Matrix m = switch (kind) {
            case F32_HEAP -> Matrix.fromFloats(v, rows, cols, DType.F32);
            case BF16 -> Matrix.fromFloats(v, rows, cols, DType.BF16);
            case F16 -> Matrix.fromFloats(v, rows, cols, DType.F16);
            case F32_NATIVE -> {
                MemorySegment s = arena.allocate(Math.max(1, 4L * v.length), 64);
                for (int i = 0; i < v.length; i++)
                    s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v[i]);
                yield Matrix.of(s, DType.F32, rows, cols);
            }
            case BF16_NATIVE -> {
                Matrix h = Matrix.fromFloats(v, rows, cols, DType.BF16);
                MemorySegment s = arena.allocate(Math.max(2, 2L * v.length), 2);
                MemorySegment.copy(h.segment(), 0, s, 0, 2L * v.length);
                yield Matrix.of(s, DType.BF16, rows, cols);
            }
        };
        return new W(m, m.toFloats());
    }

    /** |got - want| ≤ tol · (Σ|a·b| over the sum), per element. */
    private static void check(String what, double[] want, double[] mag, float[] got) {
        for (int i = 0; i < want.length; i++) {
            double tol = 1e-5 * mag[i] + 1e-6;
            if (Math.abs(got[i] - want[i]) > tol)
                throw new AssertionError(what + " at " + i + ": got " + got[i] + " want " + want[i] + " tol " + tol);
        }
    }

    private static List<int[]> shapes() {
        List<int[]> out = new ArrayList<>();
        Random r = new Random(7);
        int[] sizes = QUICK ? new int[] {1, 17, 100} : SIZES;
        for (int m : sizes) for (int n : sizes) for (int k : sizes) {
            if ((m * 31 + n * 7 + k) % 3 != 0 && !(m == 1 || n == 1 || k == 1)) continue;
            out.add(new int[] {m, n, k});
        }
        // shapes crossing the block sizes (KC, MC, NC) with tails
        out.add(new int[] {300, 530, 401});
        out.add(new int[] {9, 1000, 700});
        out.add(new int[] {13, 97, 385});
        out.add(new int[] {64, 48, 192});
        out.add(new int[] {520, 49, 33});
        out.add(new int[] {33, 70, 300});
        out.add(new int[] {45, 600, 17});
        for (int i = 0; i < (QUICK ? 2 : 6); i++) out.add(new int[] {1 + r.nextInt(300), 1 + r.nextInt(300), 1 + r.nextInt(300)});
        return out;
    }

    @Test
    void xwTMatchesReference() {
        run((w, x, m, n, k, acc, y0) -> {
            float[] y = y0.clone();
            Gemm.xwT(x, m, w.m(), y, acc);
            double[] want = new double[m * n], mag = new double[m * n];
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                double s = acc ? y0[i * n + j] : 0, a = acc ? Math.abs(y0[i * n + j]) : 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) x[i * k + p] * w.values()[j * k + p];
                    s += t;
                    a += Math.abs(t);
                }
                want[i * n + j] = s;
                mag[i * n + j] = a;
            }
            check("xwT " + m + "x" + n + "x" + k + " " + w.m() + " acc=" + acc, want, mag, y);
        }, true);
    }

    @Test
    void xwMatchesReference() {
        run((w, dy, m, n, k, acc, dx0) -> {
            float[] dx = dx0.clone();
            Gemm.xw(dy, m, w.m(), dx, acc);
            double[] want = new double[m * k], mag = new double[m * k];
            for (int i = 0; i < m; i++) for (int c = 0; c < k; c++) {
                double s = acc ? dx0[i * k + c] : 0, a = acc ? Math.abs(dx0[i * k + c]) : 0;
                for (int o = 0; o < n; o++) {
                    double t = (double) dy[i * n + o] * w.values()[o * k + c];
                    s += t;
                    a += Math.abs(t);
                }
                want[i * k + c] = s;
                mag[i * k + c] = a;
            }
            check("xw " + m + "x" + n + "x" + k + " " + w.m() + " acc=" + acc, want, mag, dx);
        }, false);
    }

    @Test
    void atbMatchesReference() {
        Random r = new Random(3);
        int count = 0;
        for (int[] s : shapes()) {
            int m = s[0], n = s[1], k = s[2];
            float[] dy = random(r, m * n), x = random(r, m * k);
            for (boolean acc : new boolean[] {false, true}) {
                float[] dw0 = random(r, n * k), dw = dw0.clone();
                Gemm.atb(dy, x, m, n, k, dw, acc);
                double[] want = new double[n * k], mag = new double[n * k];
                for (int o = 0; o < n; o++) for (int c = 0; c < k; c++) {
                    double sum = acc ? dw0[o * k + c] : 0, a = acc ? Math.abs(dw0[o * k + c]) : 0;
                    for (int t = 0; t < m; t++) {
                        double v = (double) dy[t * n + o] * x[t * k + c];
                        sum += v;
                        a += Math.abs(v);
                    }
                    want[o * k + c] = sum;
                    mag[o * k + c] = a;
                }
                check("atb " + m + "x" + n + "x" + k + " acc=" + acc, want, mag, dw);
                count++;
            }
        }
        assertTrue(count > (QUICK ? 20 : 50), "cases " + count);
    }

    @Test
    void accumulateAddsAndOverwriteIgnoresGarbage() {
        Random r = new Random(11);
        int m = 40, n = 70, k = 50;
        float[] x = random(r, m * k);
        Matrix w = Matrix.fromFloats(random(r, n * k), n, k, DType.F32);
        float[] y1 = new float[m * n];
        java.util.Arrays.fill(y1, Float.NaN);
        Gemm.xwT(x, m, w, y1, false);
        float[] y2 = y1.clone();
        Gemm.xwT(x, m, w, y2, true);
        for (int i = 0; i < y1.length; i++) assertEquals(2 * y1[i], y2[i], 1e-4f * (1 + Math.abs(y1[i])));
    }

    /**
     * Each path of each product (packed, small-m, GEMV; xw's small path sums per-block partials)
     * gives the same bits with 1, 2, 3 and 8 threads, every job split however small.
     */
    @Test
    void sameBitsWithAnyThreadCount() {
        int[][] shapes = {{1, 700, 300}, {8, 900, 260}, {12, 1300, 70}, {20, 300, 500}, {150, 530, 401}};
        List<float[]> first = null;
        try {
            for (int threads : new int[] {1, 2, 3, 8}) {
                Parallel.configure(threads, 0);
                Random data = new Random(17);
                List<float[]> results = new ArrayList<>();
                for (int[] s : shapes) {
                    int m = s[0], n = s[1], k = s[2];
                    float[] wv = random(data, n * k);
                    for (DType t : new DType[] {DType.F32, DType.BF16}) {
                        Matrix w = Matrix.fromFloats(wv, n, k, t);
                        float[] x = random(data, m * k), dy = random(data, m * n);
                        float[] y = new float[m * n], dx = new float[m * k], dw = new float[n * k];
                        Gemm.xwT(x, m, w, y, false);
                        Gemm.xw(dy, m, w, dx, false);
                        Gemm.atb(dy, x, m, n, k, dw, false);
                        results.add(y);
                        results.add(dx);
                        results.add(dw);
                    }
                }
                if (first == null) {
                    first = results;
                    continue;
                }
                for (int i = 0; i < results.size(); i++) {
                    int[] s = shapes[i / 6];
                    String what = new String[] {"xwT", "xw", "atb"}[i % 3] + " " + s[0] + "x" + s[1] + "x" + s[2]
                            + (i % 6 < 3 ? " f32" : " bf16") + ", " + threads + " threads vs 1";
                    float[] a = first.get(i), b = results.get(i);
                    for (int j = 0; j < a.length; j++)
                        if (Float.floatToRawIntBits(a[j]) != Float.floatToRawIntBits(b[j]))
                            throw new AssertionError(what + ": element " + j + " " + a[j] + " != " + b[j]);
                }
            }
        } finally {
            Parallel.reset();
        }
    }

    @FunctionalInterface
    private interface Case {
        void run(W w, float[] in, int m, int n, int k, boolean acc, float[] out0);
    }

    /** forward: in = x [m,k], out [m,n]; backward: in = dy [m,n], out [m,k]. W is [n,k]. */
    private static void run(Case c, boolean forward) {
        Random r = new Random(forward ? 1 : 2);
        int count = 0;
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : shapes()) {
                int m = s[0], n = s[1], k = s[2];
                for (Kind kind : Kind.values()) {
                    if (kind != Kind.F32_HEAP && kind != Kind.BF16 && (m * n * k) % 5 != 0 && m > 1) continue;
                    if (QUICK && kind != Kind.F32_HEAP && kind != Kind.BF16_NATIVE) continue;
                    W w = weight(r, n, k, kind, arena);
                    float[] in = random(r, forward ? m * k : m * n);
                    for (boolean acc : new boolean[] {false, true}) {
                        c.run(w, in, m, n, k, acc, random(r, forward ? m * n : m * k));
                        count++;
                    }
                }
            }
        }
        assertTrue(count > (QUICK ? 40 : 100), "cases " + count);
    }

    @Test
    void eachProductCountsItsTwoMnkFlops() {
        // Tests run one at a time in one JVM (no parallel execution configured), so the count is exact.
        Matrix w = Matrix.fromFloats(new float[7 * 5], 7, 5, DType.F32);
        long before = Gemm.flopsDone();
        Gemm.xwT(new float[3 * 5], 3, w, new float[3 * 7], false);         // 2·3·7·5 = 210
        Gemm.xw(new float[3 * 7], 3, w, new float[3 * 5], false);          // 210
        Gemm.atb(new float[3 * 7], new float[3 * 5], 3, 7, 5, new float[7 * 5], false);   // 210
        assertEquals(630, Gemm.flopsDone() - before, "the three products count 2·m·n·k each");
    }
}
