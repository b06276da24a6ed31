package dev.lopper.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every {@link VectorOps} kernel against a double-precision loop written here, on lengths around the vector width. */
class VectorOpsTest {
    /** Lengths below, at and across one and two vector widths (4 to 16 lanes), with tails. */
    private static final int[] LENGTHS = {1, 3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 63, 100, 257};

    private static float[] random(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    @Test
    void vectorExpIsWithinTwoUlpOfMathExp() {
        float[] x = new float[4096];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 170 - 85);
        x[0] = 0f;
        x[1] = -1e-8f;
        x[2] = 88f;
        x[3] = -87f;
        float[] y = x.clone();
        VectorOps.expShifted(y, 0, y.length, 1f, 0f, true);
        for (int i = 0; i < x.length; i++) {
            double want = Math.exp(x[i]);
            assertEquals(want, y[i], 2.5 * Math.ulp((float) want), "exp(" + x[i] + ")");
        }
    }

    @Test
    void expShiftedSumsScaledShiftedExponentials() {
        Random rnd = new Random(2);
        for (int n : LENGTHS) {
            float[] x = random(rnd, n + 3, 3);
            double want = 0;
            for (int i = 0; i < n; i++) want += Math.exp(0.7 * x[3 + i] - 1.5);
            float got = VectorOps.expShifted(x.clone(), 3, n, 0.7f, -1.5f, false);
            assertEquals(want, got, 1e-6 * want, "n=" + n);
        }
    }

    @Test
    void softmaxMatchesDoubleSoftmax() {
        Random rnd = new Random(4);
        for (int n : LENGTHS) {
            float[] x = random(rnd, n, 4);
            float[] y = x.clone();
            VectorOps.softmaxInPlace(y, n, 0.5f);
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : x) max = Math.max(max, 0.5 * v);
            for (float v : x) sum += Math.exp(0.5 * v - max);
            for (int i = 0; i < n; i++) {
                double want = Math.exp(0.5 * x[i] - max) / sum;
                assertEquals(want, y[i], 1e-6 * want + 1e-9, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void siluMulMatchesDouble() {
        Random rnd = new Random(5);
        for (int n : LENGTHS) {
            float[] g = random(rnd, n + 2, 3), u = random(rnd, n + 2, 1), y = new float[n + 2];
            VectorOps.siluMul(g, u, y, 2, n + 2);
            for (int i = 2; i < n + 2; i++) {
                double want = g[i] / (1 + Math.exp(-g[i])) * u[i];
                assertEquals(want, y[i], 1e-6 * Math.abs(want) + 1e-7, "n=" + n + " i=" + i);
            }
        }
    }

    /** Callers cut [from, to) by thread: every element must get the same bits wherever the cuts fall. */
    @Test
    void siluMulGivesTheSameBitsHoweverTheRangeIsCut() {
        Random rnd = new Random(8);
        float[] g = random(rnd, 300, 4), u = random(rnd, 300, 1), whole = new float[300];
        VectorOps.siluMul(g, u, whole, 0, 300);
        for (int cut = 1; cut < 40; cut++) {
            float[] y = new float[300];
            for (int from = 0; from < 300; from += cut) VectorOps.siluMul(g, u, y, from, Math.min(300, from + cut));
            assertArrayEquals(whole, y, "cut every " + cut);
        }
    }

    @Test
    void axpyRoundsEveryElementOnceAsAnFma() {
        Random rnd = new Random(9);
        for (int n : LENGTHS) {
            float[] x = random(rnd, n, 1), y = random(rnd, n, 1), want = new float[n];
            for (int i = 0; i < n; i++) want[i] = Math.fma(0.37f, x[i], y[i]);
            VectorOps.axpy(0.37f, x, 0, y, 0, n);
            assertArrayEquals(want, y, "n=" + n);
        }
    }

    @Test
    void dotAxpyAddMulScaleMatchDouble() {
        Random rnd = new Random(6);
        for (int n : LENGTHS) {
            float[] a = random(rnd, n + 1, 1), b = random(rnd, n + 2, 1);
            double want = 0, mag = 0;
            for (int i = 0; i < n; i++) {
                want += (double) a[1 + i] * b[2 + i];
                mag += Math.abs((double) a[1 + i] * b[2 + i]);
            }
            assertEquals(want, VectorOps.dot(a, 1, b, 2, n), 1e-6 * mag + 1e-7, "dot n=" + n);

            float[] y = b.clone();
            VectorOps.axpy(-0.3f, a, 1, y, 2, n);
            for (int i = 0; i < n; i++) assertEquals(b[2 + i] - 0.3 * a[1 + i], y[2 + i], 1e-6, "axpy n=" + n);
            y = b.clone();
            VectorOps.add(a, 1, y, 2, n);
            for (int i = 0; i < n; i++) assertEquals((double) b[2 + i] + a[1 + i], y[2 + i], 1e-6, "add n=" + n);
            float[] z = new float[n];
            VectorOps.mul(a, 1, b, 2, z, 0, n);
            for (int i = 0; i < n; i++) assertEquals((double) a[1 + i] * b[2 + i], z[i], 1e-6, "mul n=" + n);
            y = b.clone();
            VectorOps.scale(y, 2, n, 1.7f);
            for (int i = 0; i < n; i++) assertEquals(1.7 * b[2 + i], y[2 + i], 1e-6, "scale n=" + n);
            assertEquals(b[0], y[0], "scale touched y[0]");
        }
    }

    @Test
    void sumLanesAddsEveryLane() {
        float[] a = new float[Simd.FLOAT.length()];
        double want = 0;
        for (int i = 0; i < a.length; i++) want += a[i] = i + 0.25f;
        assertEquals(want, VectorOps.sumLanes(jdk.incubator.vector.FloatVector.fromArray(Simd.FLOAT, a, 0)), 0);
    }

    @Test
    void weightedRowSumMatchesPlainLoops() {
        Random rnd = new Random(3);
        for (int d : new int[]{1, 4, 8, 16, 31, 32, 64, 80, 128, 200}) {
            for (int n : new int[]{1, 2, 7, 33}) {
                int stride = d + 5;
                float[] v = new float[n * stride + 3];
                float[] w = new float[n];
                for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
                for (int i = 0; i < n; i++) w[i] = rnd.nextFloat();
                float[] out = new float[d + 2];
                VectorOps.weightedRowSum(w, n, v, 3, stride, d, out, 2);
                for (int c = 0; c < d; c++) {
                    double want = 0;
                    for (int j = 0; j < n; j++) want += (double) w[j] * v[3 + j * stride + c];
                    assertEquals(want, out[2 + c], 1e-4, "d=" + d + " n=" + n + " c=" + c);
                }
            }
        }
    }
}
