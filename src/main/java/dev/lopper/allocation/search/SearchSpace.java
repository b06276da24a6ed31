package dev.lopper.allocation.search;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Target;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;

import java.util.Arrays;

/**
 * The genome of the search (Lopper's design, not Self-Pruner's published method): one pruning
 * rate per layer, applied to both enabled modules of the layer as {@code --allocation file} applies
 * it — round(rate × groups) attention groups and round(rate × channels) MLP channels — and the
 * repair that makes any vector of rates meet the global budget: the fraction of ALL the model's
 * parameters removed, to within one group.
 *
 * <p>Repair, in order: (1) clip every rate into its layer's bounds [lower, upper] (layers outside the
 * range get 0; upper is also lowered so that rounding never empties a layer unless allowed);
 * (2) shift all rates by one constant s (bisection) so the parameter-weighted sum of rates hits
 * the goal; (3) round to whole groups; (4) move single MLP channels (the finest group) up or down
 * in the layers whose rounding went furthest against the goal, keeping each layer's attention count,
 * and, when no channel can move so, one attention group with the fewest channels that keep the
 * layer consistent — every move brings the total nearer to the goal — until the removed
 * parameters are within half a channel of the goal or nothing can move;
 * (5) write back, per layer, the rate nearest to the shifted one that rounds to exactly those counts,
 * so that {@code --allocation file --rates} of the repaired rates reproduces the same model.
 */
public final class SearchSpace {
    private static final double EPS = 1e-9;

    private final ModelConfig config;
    private final Target target;
    private final double lo, hi;
    private final double[] lower, upper;
    private final int[] kv, ch;
    private final long[] attSize, chSize;
    private final double goal;

    public SearchSpace(ModelConfig config, Target target, double lo, double hi) {
        target.check(config);
        if (!(lo >= 0 && lo <= hi && hi < 1))
            throw new BadInputException("rate bounds [" + lo + ", " + hi + "] must satisfy 0 <= min <= max < 1");
        this.config = config;
        this.target = target;
        this.lo = lo;
        this.hi = hi;
        int n = config.numLayers();
        lower = new double[n];
        upper = new double[n];
        kv = new int[n];
        ch = new int[n];
        attSize = new long[n];
        chSize = new long[n];
        for (int l = 0; l < n; l++) {
            if (!target.range().contains(l)) continue;
            double up = hi;
            if (target.modules().attention() && config.layer(l).kvHeads() > 0) {
                kv[l] = config.layer(l).kvHeads();
                attSize[l] = Groups.attentionGroup(config, l);
                up = Math.min(up, maxRate(kv[l]));
            }
            if (target.modules().mlp() && config.layer(l).intermediate() > 0) {
                ch[l] = config.layer(l).intermediate();
                chSize[l] = Groups.mlpChannel(config, l);
                up = Math.min(up, maxRate(ch[l]));
            }
            upper[l] = up;
            lower[l] = Math.min(lo, up);
        }
        goal = target.fraction() * Groups.total(config);
        checkReachable();
    }

    /** The largest rate whose rounding keeps one group of {@code n} (or all may go when empty layers are allowed). */
    private double maxRate(int n) {
        int cap = target.allowEmptyLayers() ? n : n - 1;
        return (cap + 0.5) / n - EPS;
    }

    private void checkReachable() {
        double most = removed(countsOf(upper)), least = removed(countsOf(lower));
        double half = smallestGroup() / 2.0;
        long total = Groups.total(config);
        if (most < goal - half)
            throw new BadInputException(String.format("target %s asks to remove %.0f of the model's %d parameters, "
                            + "but per-layer rates in [%s, %s] over layers %s (%s) remove at most %.0f (%.4f of all "
                            + "parameters); raise " + Setting.MAX_RATE.mention() + " or lower the target", target.fraction(), goal, total, lo, hi,
                    target.range(), target.modules().name().toLowerCase(), most, most / total));
        if (least > goal + half)
            throw new BadInputException(String.format("target %s asks to remove %.0f of the model's %d parameters, "
                            + "but the lowest rate %s already removes %.0f; lower " + Setting.MIN_RATE.mention(), target.fraction(), goal,
                    total, lo, least));
    }

    private long smallestGroup() {
        long s = Long.MAX_VALUE;
        for (int l = 0; l < kv.length; l++) {
            if (kv[l] > 0) s = Math.min(s, attSize[l]);
            if (ch[l] > 0) s = Math.min(s, chSize[l]);
        }
        return s == Long.MAX_VALUE ? 0 : s;
    }

    public int layers() { return config.numLayers(); }

    public double minRate() { return lo; }

    public double maxRate() { return hi; }

    public Target target() { return target; }

    public ModelConfig config() { return config; }

    /** Whether layer {@code l} is searched (inside the range with something to prune); others stay at rate 0. */
    public boolean searched(int l) {
        return kv[l] > 0 || ch[l] > 0;
    }

    /** Parameters removed to meet the target. */
    public double goal() { return goal; }

    /** The rate that, in every searched layer, meets the goal (before rounding). */
    public double meanRate() {
        double prunable = 0;
        for (int l = 0; l < kv.length; l++) prunable += layerParameters(l);
        return goal / prunable;
    }

    /** Parameters of layer l's searched groups: how much one unit of its rate removes. */
    public double weight(int l) {
        return layerParameters(l);
    }

    private double layerParameters(int l) {
        return (double) kv[l] * attSize[l] + (double) ch[l] * chSize[l];
    }

    /** Per-layer group counts of a rate vector, rounded as {@code --allocation file} rounds. */
    RemovalCounts countsOf(double[] rates) {
        int n = config.numLayers();
        int[] a = new int[n], m = new int[n];
        for (int l = 0; l < n; l++) {
            a[l] = (int) Math.round(rates[l] * kv[l]);
            m[l] = (int) Math.round(rates[l] * ch[l]);
        }
        return new RemovalCounts(a, m);
    }

    /** Parameters removed by {@code counts}. */
    public double removed(RemovalCounts c) {
        double s = 0;
        for (int l = 0; l < kv.length; l++) s += (double) c.attention()[l] * attSize[l] + (double) c.mlp()[l] * chSize[l];
        return s;
    }

    /** What the repair did: the repaired candidate, the shift applied, and how many single-channel moves it took. */
    public record Repair(Candidate candidate, double shift, int moves, double clipped) {}

    /**
     * Repairs a vector of rates (one per layer, finite) into a candidate that meets the budget.
     * Deterministic: the same input gives the same candidate.
     */
    public Repair repair(double[] raw) {
        int n = config.numLayers();
        if (raw.length != n)
            throw new IllegalArgumentException(raw.length + " rates for " + n + " layers");
        double[] r = new double[n];
        double clipped = 0;
        for (int l = 0; l < n; l++) {
            if (!Double.isFinite(raw[l])) throw new IllegalArgumentException("rate of layer " + l + " is " + raw[l]);
            r[l] = searched(l) ? clip(raw[l], lower[l], upper[l]) : 0;
            clipped += Math.abs(r[l] - raw[l]);
        }
        double s = shift(r);
        for (int l = 0; l < n; l++) if (searched(l)) r[l] = clip(r[l] + s, lower[l], upper[l]);
        RemovalCounts c0 = countsOf(r);
        int[] a = c0.attention().clone(), m = c0.mlp().clone();
        double e = goal - removed(new RemovalCounts(a, m));
        boolean fineIsMlp = anyPositive(ch);
        int[] fine = fineIsMlp ? m : a;
        int[] groups = fineIsMlp ? ch : kv;
        long[] size = fineIsMlp ? chSize : attSize;
        int moves = 0;
        while (true) {
            int dir = e > 0 ? 1 : -1;
            int best = -1;
            double bestGap = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < n; l++) {
                if (groups[l] == 0 || Math.abs(e) <= size[l] / 2.0) continue;
                int next = fine[l] + dir;
                if (next < minCount(l, groups[l]) || next > maxCount(l, groups[l])) continue;
                int na = fineIsMlp ? a[l] : next, nm = fineIsMlp ? next : m[l];
                if (interval(l, na, nm) == null) continue;
                double gap = dir * (r[l] * groups[l] - fine[l]);
                if (gap > bestGap) {
                    bestGap = gap;
                    best = l;
                }
            }
            if (best >= 0) {
                fine[best] += dir;
                e -= dir * size[best];
                moves++;
                continue;
            }
            // No single channel can move without changing a layer's attention count: move one
            // attention group and the fewest channels that keep the layer's counts consistent,
            // if that brings the total nearer to the goal (every move does, so this ends).
            if (!fineIsMlp) break;
            int bestM = -1;
            double bestErr = Math.abs(e);
            for (int l = 0; l < n; l++) {
                if (kv[l] == 0) continue;
                int na = a[l] + dir;
                if (na < minCount(l, kv[l]) || na > maxCount(l, kv[l])) continue;
                int nm = nearestConsistent(l, na, m[l]);
                if (nm < 0 || nm < minCount(l, ch[l]) || nm > maxCount(l, ch[l])) continue;
                double ne = Math.abs(e - dir * attSize[l] - (nm - m[l]) * chSize[l]);
                if (ne < bestErr) {
                    bestErr = ne;
                    best = l;
                    bestM = nm;
                }
            }
            if (best < 0) break;
            e -= dir * attSize[best] + (bestM - m[best]) * chSize[best];
            a[best] += dir;
            m[best] = bestM;
            moves++;
        }
        double[] out = new double[n];
        for (int l = 0; l < n; l++) {
            if (!searched(l)) continue;
            double[] iv = interval(l, a[l], m[l]);
            if (iv == null) throw new IllegalStateException("no rate of layer " + l + " rounds to " + a[l] + "/" + m[l]);
            out[l] = clip(r[l], iv[0], iv[1]);
        }
        RemovalCounts counts = new RemovalCounts(a, m);
        if (!Arrays.equals(countsOf(out).attention(), a) || !Arrays.equals(countsOf(out).mlp(), m))
            throw new IllegalStateException("repaired rates do not reproduce their counts");
        return new Repair(new Candidate(out, counts), s, moves, clipped);
    }

    /** The channel count nearest to {@code m} that is consistent with {@code a} attention groups in layer l; −1 if none. */
    private int nearestConsistent(int l, int a, int m) {
        for (int d = 0; d <= ch[l]; d++) {
            if (m - d >= 0 && interval(l, a, m - d) != null) return m - d;
            if (m + d <= ch[l] && interval(l, a, m + d) != null) return m + d;
        }
        return -1;
    }

    /** Smallest count allowed in layer l with {@code n} groups: the one nearest the lower bound. */
    private int minCount(int l, int n) {
        return (int) Math.max(0, Math.ceil(lower[l] * n - 0.5));
    }

    private int maxCount(int l, int n) {
        int cap = target.allowEmptyLayers() ? n : n - 1;
        return (int) Math.min(cap, Math.floor(upper[l] * n + 0.5));
    }

    /** The closed interval of rates that round to {@code a} attention groups and {@code m} channels; null if none. */
    private double[] interval(int l, int a, int m) {
        double from = 0, to = 1 - EPS;
        if (kv[l] > 0) {
            from = Math.max(from, (a - 0.5) / kv[l] + EPS);
            to = Math.min(to, (a + 0.5) / kv[l] - EPS);
        }
        if (ch[l] > 0) {
            from = Math.max(from, (m - 0.5) / ch[l] + EPS);
            to = Math.min(to, (m + 0.5) / ch[l] - EPS);
        }
        return from <= to ? new double[]{from, to} : null;
    }

    /** The constant s with Σ clip(r + s)·P = goal (parameter-weighted), by bisection. */
    private double shift(double[] r) {
        double a = -1, b = 1;
        for (int it = 0; it < 200 && b - a > 1e-15; it++) {
            double mid = (a + b) / 2;
            double sum = 0;
            for (int l = 0; l < r.length; l++)
                if (searched(l)) sum += clip(r[l] + mid, lower[l], upper[l]) * layerParameters(l);
            if (sum < goal) a = mid;
            else b = mid;
        }
        return b;
    }

    private static boolean anyPositive(int[] x) {
        for (int v : x) if (v > 0) return true;
        return false;
    }

    static double clip(double x, double a, double b) {
        return Math.max(a, Math.min(b, x));
    }

    /** The uniform genome: every searched layer at the same rate, repaired. */
    public Candidate uniform() {
        double[] r = new double[layers()];
        double mean = meanRate();
        for (int l = 0; l < r.length; l++) r[l] = searched(l) ? mean : 0;
        return repair(r).candidate();
    }

    /** A short description of the space for the run folder and prompts. */
    public String describe() {
        return String.format("%d layers, rates in [%s, %s] over layers %s (%s), target %s of all %d parameters",
                layers(), lo, hi, target.range(), target.modules().name().toLowerCase(), target.fraction(),
                Groups.total(config));
    }
}
