package dev.lopper.importance.hywia;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.calib.TaylorStats;
import dev.lopper.model.ModelConfig;
import dev.lopper.importance.GroupScores;
import dev.lopper.importance.Scores;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * HyWIA's two granularities for every scored (layer, module) — Lopper's design, docs/METHODS.md "HyWIA":
 * fine f_G = Σ_{w∈G} |s − ½·w·F·w| (element level, second order) and coarse c_G = |Σ_{w∈G} s|
 * (group level), both from the same gradient pass ({@link TaylorStats} with second order), each
 * normalised within its (layer, module) so that the two can be blended, plus the features of
 * each granularity's score distribution that the attention fusion reads.
 */
public final class HybridScores {
    /** φ: [is fine, is coarse, log(1 + coefficient of variation), skewness / 5 (clamped), top-10% mass share]. */
    public static final int KEY_FEATURES = 5;
    /** ψ: [1, depth ℓ/(L−1), is attention, Spearman rank agreement of fine and coarse]. */
    public static final int QUERY_FEATURES = 4;

    /**
     * One (layer, module): raw and normalised scores per group, the features of each granularity
     * (keys) and of the unit itself (query).
     */
    public record Unit(int layer, GroupKind kind, double[] fine, double[] coarse, double[] fineNorm,
                       double[] coarseNorm, double[] fineFeatures, double[] coarseFeatures, double[] query) {
        public int groups() { return fine.length; }
    }

    private final ModelConfig config;
    private final List<Unit> units;
    private final FusionOptions.Normalisation normalisation;

    private HybridScores(ModelConfig config, List<Unit> units, FusionOptions.Normalisation normalisation) {
        this.config = config;
        this.units = units;
        this.normalisation = normalisation;
    }

    public static HybridScores of(ModelConfig c, TaylorStats t, FusionOptions.Normalisation norm) {
        List<Unit> units = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                if (!t.scored(l, k) || GroupAxis.groups(k, c.layer(l)) == 0) continue;
                units.add(unit(c, l, k, t.mix(l, k), t.vector(l, k), norm));
            }
        }
        return new HybridScores(c, units, norm);
    }

    /** A unit from raw scores (tests build them directly). */
    public static Unit unit(ModelConfig c, int layer, GroupKind kind, double[] fine, double[] coarse,
                            FusionOptions.Normalisation norm) {
        double depth = c.numLayers() <= 1 ? 0 : (double) layer / (c.numLayers() - 1);
        double[] query = {1, depth, kind == GroupKind.ATTENTION ? 1 : 0, spearman(fine, coarse)};
        return new Unit(layer, kind, fine.clone(), coarse.clone(), normalise(fine, norm), normalise(coarse, norm),
                features(fine, true), features(coarse, false), query);
    }

    public static HybridScores of(ModelConfig c, List<Unit> units, FusionOptions.Normalisation norm) {
        return new HybridScores(c, List.copyOf(units), norm);
    }

    public ModelConfig config() { return config; }

    public List<Unit> units() { return units; }

    public FusionOptions.Normalisation normalisation() { return normalisation; }

    /** Scores with the given fine weight per unit (same order as {@link #units}); unscored groups +∞. */
    public Scores fused(String label, double[] alphaFine) {
        double[][] attn = GroupScores.zeros(config, GroupKind.ATTENTION);
        double[][] mlp = GroupScores.zeros(config, GroupKind.MLP);
        for (double[] a : attn) Arrays.fill(a, Double.POSITIVE_INFINITY);
        for (double[] m : mlp) Arrays.fill(m, Double.POSITIVE_INFINITY);
        for (int u = 0; u < units.size(); u++) {
            Unit unit = units.get(u);
            double[] out = unit.kind() == GroupKind.ATTENTION ? attn[unit.layer()] : mlp[unit.layer()];
            blend(unit, alphaFine[u], out);
        }
        return new Scores(label, attn, mlp);
    }

    /** out_i = α·f̂_i + (1 − α)·ĉ_i. */
    static void blend(Unit u, double alphaFine, double[] out) {
        double b = 1 - alphaFine;
        for (int i = 0; i < out.length; i++) out[i] = alphaFine * u.fineNorm()[i] + b * u.coarseNorm()[i];
    }

    // ------------------------------------------------------------------ normalisation

    static double[] normalise(double[] x, FusionOptions.Normalisation norm) {
        return norm == FusionOptions.Normalisation.RANK ? ranks(x) : byMean(x);
    }

    /** x / mean(x); all zeros stay zeros. */
    static double[] byMean(double[] x) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double[] out = new double[x.length];
        if (mean > 0) for (int i = 0; i < x.length; i++) out[i] = x[i] / mean;
        return out;
    }

    /** Rank in [0, 1] (0 = lowest), ties sharing their average rank; a single group gets 0.5. */
    static double[] ranks(double[] x) {
        int n = x.length;
        double[] out = new double[n];
        if (n == 1) {
            out[0] = 0.5;
            return out;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(x[a], x[b]));
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && x[order[j + 1]] == x[order[i]]) j++;
            double r = (i + j) / 2.0 / (n - 1);
            for (int k = i; k <= j; k++) out[order[k]] = r;
            i = j + 1;
        }
        return out;
    }

    // ------------------------------------------------------------------ features

    /** φ of one granularity's raw scores (scale-free shape statistics). */
    static double[] features(double[] x, boolean fine) {
        int n = x.length;
        double mean = 0;
        for (double v : x) mean += v;
        mean /= n;
        double m2 = 0, m3 = 0;
        for (double v : x) {
            double d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        m2 /= n;
        m3 /= n;
        double std = Math.sqrt(m2);
        double cv = mean > 0 ? std / mean : 0;
        double skew = std > 0 ? m3 / (std * std * std) : 0;
        double[] sorted = x.clone();
        Arrays.sort(sorted);
        int top = Math.max(1, (int) Math.ceil(0.1 * n));
        double topMass = 0, all = 0;
        for (int i = 0; i < n; i++) {
            all += sorted[i];
            if (i >= n - top) topMass += sorted[i];
        }
        return new double[]{fine ? 1 : 0, fine ? 0 : 1, Math.log1p(cv), Math.max(-5, Math.min(5, skew)) / 5,
                all > 0 ? topMass / all : 0};
    }

    /** Spearman's rank correlation of two score vectors (0 when either is constant or n < 2). */
    static double spearman(double[] a, double[] b) {
        int n = a.length;
        if (n < 2) return 0;
        double[] ra = ranks(a), rb = ranks(b);
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= n;
        mb /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++) {
            double da = ra[i] - ma, db = rb[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
    }
}
