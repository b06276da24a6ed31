package dev.lopper.recovery;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The re-fit of one consumer by ridge least squares, in double. With T = [W, b] the dense
 * weights and bias (the target is the dense output T·[x; 1]), F the free inputs (current weights
 * W_F), X the fixed kept columns (current weights W_X) and x̃ what the pruned layer sees:
 * <pre>
 *   min_{W'_F}  Σ_t ‖T·[x_t;1] − W'_F x̃_{t,F} − W_X x̃_{t,X}‖² + λ‖W'_F − W_F‖²
 *   ⇒  W'_F (h + λI) = T·m − W_X·q + λ W_F          (normal equations, {@link Moments})
 * </pre>
 * with λ = ridge · mean(diag h): the ridge pulls toward the current weights and is scaled to the
 * Gram's diagonal (SparseGPT's dampening). In one-shot mode with W_F the dense kept weights this is
 * W'_S = W_S + W_R (X_R X_Sᵀ)(X_S X_Sᵀ + λI)⁻¹; with F = {the constant} and λ = 0 it is FLAP's bias
 * compensation b' = b + W_R·mean(x_R). The system is solved by Cholesky (EJML).
 */
public final class LeastSquares {
    private LeastSquares() {}

    /**
     * The re-fitted free weights [out × |F|] (row o: the free columns in order, then the bias
     * when it is free).
     *
     * @param target  T = [W, b] of the dense consumer, [out × (in+1)] row-major (b = 0 when it has none)
     * @param current the current free weights W_F, [out × |F|]
     * @param fixed   the current weights of the fixed kept columns W_X, [out × |X|] (empty when none)
     * @param what    names the consumer in an error ("layer 3 o_proj")
     */
    public static double[] solve(double[] target, double[] current, double[] fixed, Moments mo, double ridge,
                                 String what) {
        int f = mo.free(), n1 = mo.inputs() + 1, out = current.length / Math.max(1, f);
        if (f == 0) return current.clone();
        if (target.length != out * n1) throw new IllegalArgumentException("target has " + target.length
                + " entries, expected " + out + "×" + n1);
        int[] fixedCols = mo.fixedCols();
        if (meanDiagonal(mo) == 0) return current.clone();     // the free inputs are all zero: nothing to fit
        double lambda = lambda(mo, ridge);

        // Right-hand side Rᵀ [f × out]: T·m − W_X·q + λW_F.
        double[] coef = target.clone();
        if (!mo.paired()) {
            // One-shot: q is m's rows of the fixed columns, so W_X·q folds into T·m as (T − W_X) on
            // those rows; where W_X equals the dense weights its terms vanish exactly (no cancellation).
            for (int o = 0; o < out; o++)
                for (int k = 0; k < fixedCols.length; k++) coef[o * n1 + fixedCols[k]] -= fixed[o * fixedCols.length + k];
        }
        DMatrixRMaj rhs = new DMatrixRMaj(f, out);
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < f; j++) {
                double s = rowTimesM(coef, o, mo, j);
                if (mo.paired())
                    for (int k = 0; k < fixedCols.length; k++) s -= fixed[o * fixedCols.length + k] * mo.q(k, j);
                rhs.set(j, o, s + lambda * current[o * f + j]);
            }
        }
        DMatrixRMaj a = new DMatrixRMaj(f, f);
        for (int r = 0; r < f; r++) for (int c = 0; c < f; c++) a.set(r, c, mo.h(r, c) + (r == c ? lambda : 0));
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(f);
        if (!chol.setA(a))
            throw new BadInputException("the Gram matrix of the kept inputs of " + what + " is singular"
                    + (ridge == 0 ? "; use " + Setting.RIDGE.mention() + " > 0"
                            : " even with " + Setting.RIDGE.mention() + " " + ridge + "; use a larger " + Setting.RIDGE.mention()));
        DMatrixRMaj x = new DMatrixRMaj(f, out);
        chol.solve(rhs, x);
        double[] w = new double[out * f];
        for (int o = 0; o < out; o++)
            for (int j = 0; j < f; j++) {
                double v = x.get(j, o);
                if (!Double.isFinite(v))
                    throw new BadInputException("the re-fit of " + what + " is not finite; use a larger " + Setting.RIDGE.mention());
                w[o * f + j] = v;
            }
        return w;
    }

    /** λ of a fit: ridge · mean(diag h) (0 when the free inputs are all zero). */
    public static double lambda(Moments mo, double ridge) {
        return ridge * meanDiagonal(mo);
    }

    private static double meanDiagonal(Moments mo) {
        int f = mo.free();
        if (f == 0) return 0;
        double diag = 0;
        for (int j = 0; j < f; j++) diag += mo.h(j, j);
        return diag / f;
    }

    /** Σ_t ‖T·[x_t; 1]‖² over {@code rows} dense inputs x [rows, in], in double. */
    public static double outputEnergy(double[] target, float[] x, int rows, int in) {
        int n1 = in + 1, out = target.length / n1;
        double[] sums = new double[rows];
        dev.lopper.tensor.Parallel.forRange(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                double e = 0;
                for (int o = 0; o < out; o++) {
                    double y = target[o * n1 + in];
                    for (int i = 0; i < in; i++) y += target[o * n1 + i] * x[r * in + i];
                    e += y * y;
                }
                sums[r] = e;
            }
        });
        double total = 0;
        for (double e : sums) total += e;
        return total;
    }

    /**
     * Σ_t ‖T·[x_t; 1] − W x̃_{t,F}‖² of free weights W [out × |F|] (no fixed columns), from the
     * moments: ‖T x‖² − 2⟨W, T·m⟩ + Σ_o W_o h W_oᵀ, with {@code energy} = Σ‖T x‖².
     */
    public static double residual(double[] target, double[] w, Moments mo, double energy) {
        int f = mo.free(), n1 = mo.inputs() + 1, out = target.length / n1;
        if (mo.fixedCols().length > 0) throw new IllegalArgumentException("residual of a fit with fixed columns");
        double cross = 0, quad = 0;
        double[] hw = new double[f];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < f; j++) cross += w[o * f + j] * rowTimesM(target, o, mo, j);
            for (int a = 0; a < f; a++) {
                double s = 0;
                for (int b = 0; b < f; b++) s += mo.h(a, b) * w[o * f + b];
                hw[a] = s;
            }
            for (int a = 0; a < f; a++) quad += w[o * f + a] * hw[a];
        }
        return Math.max(0, energy - 2 * cross + quad);
    }

    /** (c·m)[o][j] = Σ_i c[o][i] m(i, j) for c [out × (in+1)], skipping zero coefficients (removed-but-equal columns). */
    private static double rowTimesM(double[] c, int o, Moments mo, int j) {
        int n1 = mo.inputs() + 1;
        double s = 0;
        for (int i = 0; i < n1; i++) {
            double v = c[o * n1 + i];
            if (v != 0) s += v * mo.m(i, j);
        }
        return s;
    }
}
