package dev.lopper.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VectorOpsTest {
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
    void weightedRowSumMatchesPlainLoops() {
        Random rnd = new Random(3);
        for (int d : new int[]{1, 8, 16, 31, 32, 64, 80, 128, 200}) {
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
