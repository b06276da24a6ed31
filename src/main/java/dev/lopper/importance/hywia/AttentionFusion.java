package dev.lopper.importance.hywia;

import java.util.SplittableRandom;

/**
 * HyWIA's blend for one (layer, module) — Lopper's design, docs/METHODS.md "HyWIA" step 3: a query
 * q = Q·ψ from the unit's own features, one key per granularity k_g = K·φ_g from the features of
 * that granularity's score distribution, and α = softmax_g(qᵀk_g / √d) over {fine, coarse}.
 * The parameters Q [d × |ψ|] and K [d × |φ|] are shared by all units and learned end to end
 * ({@link FusionTrainer}); they are stored flat, Q row-major then K row-major.
 *
 * <p>With two granularities the softmax is a sigmoid of the logit difference
 * z = qᵀK(φ_fine − φ_coarse)/√d, so α_fine = σ(z), α_coarse = 1 − α_fine. The chain rule from
 * ∂L/∂α_fine to the parameters is written out in {@link #addGradient}.
 */
public final class AttentionFusion {
    /** Width of queries and keys. */
    public static final int DIM = 16;

    private final double[] params;

    public AttentionFusion(double[] params) {
        if (params.length != size()) throw new IllegalArgumentException(params.length + " fusion parameters, not " + size());
        this.params = params.clone();
    }

    /** Parameters drawn from N(0, 1/|input|) with the seed, so that α starts near, not at, ½. */
    public static AttentionFusion initial(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x6879776961L);   // "hywia"
        double[] p = new double[size()];
        int q = DIM * HybridScores.QUERY_FEATURES;
        for (int i = 0; i < p.length; i++) {
            double fanIn = i < q ? HybridScores.QUERY_FEATURES : HybridScores.KEY_FEATURES;
            p[i] = gaussian(rnd) / Math.sqrt(fanIn);
        }
        return new AttentionFusion(p);
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box–Muller on the seeded stream: java.util.Random's nextGaussian is not on SplittableRandom.
        double u1 = 1 - rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    public static int size() {
        return DIM * (HybridScores.QUERY_FEATURES + HybridScores.KEY_FEATURES);
    }

    public double[] params() { return params.clone(); }

    /** Q as [DIM][|ψ|]. */
    public double[][] queryMatrix() { return matrix(0, HybridScores.QUERY_FEATURES); }

    /** K as [DIM][|φ|]. */
    public double[][] keyMatrix() { return matrix(DIM * HybridScores.QUERY_FEATURES, HybridScores.KEY_FEATURES); }

    private double[][] matrix(int offset, int cols) {
        double[][] m = new double[DIM][cols];
        for (int r = 0; r < DIM; r++) System.arraycopy(params, offset + r * cols, m[r], 0, cols);
        return m;
    }

    /** q = Q·ψ. */
    private double[] query(double[] psi) {
        int nq = HybridScores.QUERY_FEATURES;
        double[] q = new double[DIM];
        for (int r = 0; r < DIM; r++) {
            double s = 0;
            for (int c = 0; c < nq; c++) s += params[r * nq + c] * psi[c];
            q[r] = s;
        }
        return q;
    }

    /** K·v for a vector v of key features. */
    private double[] key(double[] v) {
        int off = DIM * HybridScores.QUERY_FEATURES, nk = HybridScores.KEY_FEATURES;
        double[] k = new double[DIM];
        for (int r = 0; r < DIM; r++) {
            double s = 0;
            for (int c = 0; c < nk; c++) s += params[off + r * nk + c] * v[c];
            k[r] = s;
        }
        return k;
    }

    private static double[] difference(HybridScores.Unit u) {
        double[] d = new double[HybridScores.KEY_FEATURES];
        for (int i = 0; i < d.length; i++) d[i] = u.fineFeatures()[i] - u.coarseFeatures()[i];
        return d;
    }

    /** The attention logits (qᵀk_fine/√d, qᵀk_coarse/√d). */
    public double[] logits(HybridScores.Unit u) {
        double[] q = query(u.query());
        double[] kf = key(u.fineFeatures()), kc = key(u.coarseFeatures());
        double sf = 0, sc = 0;
        for (int r = 0; r < DIM; r++) {
            sf += q[r] * kf[r];
            sc += q[r] * kc[r];
        }
        double scale = Math.sqrt(DIM);
        return new double[]{sf / scale, sc / scale};
    }

    /** α_fine = softmax(logits)[fine] = σ(z), computed stably. */
    public double alphaFine(HybridScores.Unit u) {
        double[] a = logits(u);
        double z = a[0] - a[1];
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /**
     * Adds ∂L/∂params into {@code grad} given g = ∂L/∂α_fine for this unit:
     * ∂α/∂z = α(1−α); z = qᵀ(KΔφ)/√d with q = Qψ, Δφ = φ_fine − φ_coarse, so
     * ∂z/∂Q_rc = (KΔφ)_r·ψ_c/√d and ∂z/∂K_rc = q_r·Δφ_c/√d.
     */
    public void addGradient(HybridScores.Unit u, double gAlpha, double[] grad) {
        double a = alphaFine(u);
        double gz = gAlpha * a * (1 - a) / Math.sqrt(DIM);
        double[] dphi = difference(u);
        double[] q = query(u.query()), kd = key(dphi);
        int nq = HybridScores.QUERY_FEATURES, nk = HybridScores.KEY_FEATURES, off = DIM * nq;
        for (int r = 0; r < DIM; r++) {
            for (int c = 0; c < nq; c++) grad[r * nq + c] += gz * kd[r] * u.query()[c];
            for (int c = 0; c < nk; c++) grad[off + r * nk + c] += gz * q[r] * dphi[c];
        }
    }
}
