package dev.lopper.calib;

import dev.lopper.model.Pass;
import dev.lopper.util.ProgressListener;
import dev.lopper.model.ForwardHook;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.CausalLM;
import dev.lopper.tensor.Parallel;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Per-column statistics of the inputs of the linear layers over all calibration tokens: per
 * layer and {@link ForwardHook.Site}, Σx and Σx² in double and the number of rows (tokens).
 * Memory is two doubles per input column, a few hundred KB for a 7B model.
 */
public final class ActivationStats implements ForwardHook {
    private final Set<Site> sites;
    private final Map<Site, double[][]> sums = new EnumMap<>(Site.class);
    private final Map<Site, double[][]> squares = new EnumMap<>(Site.class);
    private final Map<Site, long[]> counts = new EnumMap<>(Site.class);

    public ActivationStats(ModelConfig config, Set<Site> sites) {
        this.sites = sites.isEmpty() ? EnumSet.noneOf(Site.class) : EnumSet.copyOf(sites);
        int n = config.numLayers();
        for (Site s : this.sites) {
            sums.put(s, new double[n][]);
            squares.put(s, new double[n][]);
            counts.put(s, new long[n]);
        }
    }

    /**
     * Runs the forward pass over all windows, {@code batch} windows per call, and returns the
     * statistics of the requested sites.
     */
    public static ActivationStats collect(CausalLM t, CalibrationData data, int batch, Set<Site> sites,
                                          ProgressListener progress) {
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, not " + batch);
        ActivationStats stats = new ActivationStats(t.config(), sites);
        int n = data.windows();
        for (int from = 0; from < n; from += batch) {
            int count = Math.min(batch, n - from);
            t.loss(data.batch(from, count), count, data.length(), Pass.hooked(stats));
            progress.update(from + count, n, "activation statistics");
        }
        return stats;
    }

    @Override
    public void onInput(int layer, Site site, float[] x, int rows, int cols) {
        if (!sites.contains(site)) return;
        double[] sum = sums.get(site)[layer];
        if (sum == null) {
            sum = sums.get(site)[layer] = new double[cols];
            squares.get(site)[layer] = new double[cols];
        } else if (sum.length != cols) {
            throw new IllegalStateException("layer " + layer + " " + site + " had " + sum.length + " columns, now " + cols);
        }
        double[] s1 = sum, s2 = squares.get(site)[layer];
        // Columns split across threads: each thread owns its columns, so no sums are shared.
        Parallel.forRange(cols, 64, (from, to) -> {
            for (int r = 0; r < rows; r++) {
                int base = r * cols;
                for (int c = from; c < to; c++) {
                    double v = x[base + c];
                    s1[c] += v;
                    s2[c] += v * v;
                }
            }
        });
        counts.get(site)[layer] += rows;
    }

    public Set<Site> sites() { return EnumSet.copyOf(sites); }

    /** Number of rows (tokens) seen at this layer and site. */
    public long count(int layer, Site site) {
        return require(site, counts)[layer];
    }

    /** Σx per column (a copy). */
    public double[] sum(int layer, Site site) {
        return column(layer, site, sums).clone();
    }

    /** Mean of each column over all tokens. */
    public double[] mean(int layer, Site site) {
        double[] s = column(layer, site, sums);
        double n = count(layer, site);
        double[] m = new double[s.length];
        for (int c = 0; c < s.length; c++) m[c] = s[c] / n;
        return m;
    }

    /** Population variance of each column over all tokens: Σx²/n − (Σx/n)², clamped at 0. */
    public double[] variance(int layer, Site site) {
        double[] s = column(layer, site, sums), q = column(layer, site, squares);
        double n = count(layer, site);
        double[] v = new double[s.length];
        for (int c = 0; c < s.length; c++) {
            double m = s[c] / n;
            v[c] = Math.max(0, q[c] / n - m * m);
        }
        return v;
    }

    /** ‖x_j‖₂ over all calibration tokens: sqrt(Σx²) per column (not divided by the token count). */
    public double[] l2Norm(int layer, Site site) {
        double[] q = column(layer, site, squares);
        double[] out = new double[q.length];
        for (int c = 0; c < q.length; c++) out[c] = Math.sqrt(q[c]);
        return out;
    }

    private <T> T require(Site site, Map<Site, T> map) {
        T v = map.get(site);
        if (v == null) throw new IllegalStateException("activation statistics were not collected for " + site);
        return v;
    }

    private double[] column(int layer, Site site, Map<Site, double[][]> map) {
        double[] v = require(site, map)[layer];
        if (v == null) throw new IllegalStateException("no " + site + " input seen in layer " + layer
                + " (the layer has no such block, or calibration did not run)");
        return v;
    }
}
