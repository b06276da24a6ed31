package dev.lopper.allocation.search;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Classic genetic operators (Lopper's design): initial genomes = the mean rate plus Gaussian
 * noise (σ {@value #INIT_SIGMA}); tournament selection (size {@value #TOURNAMENT}); crossover,
 * each child either uniform (every gene from one parent, fair coin) or blend (BLX-0.5: every gene
 * uniform in the parents' interval widened by half its length); mutation, each mutant either
 * Gaussian (every searched gene + N(0, σ {@value #SIGMA})) or "move" (EvoPress's level switch:
 * rate δ ∈ [0.02, 0.15] moves from one searched layer to another, weighted so that the removed
 * parameters stay the same; the repair then only rounds). Everything is drawn from the given
 * random stream, so a seed reproduces the search.
 */
public final class GaOperator implements Operator {
    static final double INIT_SIGMA = 0.15;
    static final double SIGMA = 0.05;
    static final int TOURNAMENT = 3;

    @Override
    public String name() { return "ga"; }

    @Override
    public List<Proposal> initial(int count, SearchSpace space, SplittableRandom rng) {
        List<Proposal> out = new ArrayList<>();
        double mean = space.meanRate();
        for (int i = 0; i < count; i++) {
            double[] r = new double[space.layers()];
            for (int l = 0; l < r.length; l++) if (space.searched(l)) r[l] = mean + INIT_SIGMA * gaussian(rng);
            out.add(new Proposal(r, "ga:init"));
        }
        return out;
    }

    @Override
    public Parents select(List<Member> population, int crossovers, int mutations, SplittableRandom rng) {
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < crossovers; i++) {
            int a = tournament(population, rng), b = tournament(population, rng);
            if (population.size() > 1) while (b == a) b = tournament(population, rng);
            pairs.add(new int[]{a, b});
        }
        int[] singles = new int[mutations];
        for (int i = 0; i < mutations; i++) singles[i] = tournament(population, rng);
        return new Parents(pairs, singles);
    }

    /** The best of {@value #TOURNAMENT} members drawn with replacement (the population is sorted best first). */
    static int tournament(List<Member> population, SplittableRandom rng) {
        int best = Integer.MAX_VALUE;
        for (int i = 0; i < TOURNAMENT; i++) best = Math.min(best, rng.nextInt(population.size()));
        return best;
    }

    @Override
    public List<Proposal> crossover(List<Member> population, List<int[]> pairs, SearchSpace space, SplittableRandom rng) {
        List<Proposal> out = new ArrayList<>();
        for (int[] p : pairs) out.add(crossover(population.get(p[0]).rates(), population.get(p[1]).rates(), p, rng));
        return out;
    }

    static Proposal crossover(double[] a, double[] b, int[] pair, SplittableRandom rng) {
        double[] c = new double[a.length];
        boolean uniform = rng.nextBoolean();
        for (int l = 0; l < c.length; l++) {
            if (uniform) {
                c[l] = rng.nextBoolean() ? a[l] : b[l];
            } else {
                double lo = Math.min(a[l], b[l]), hi = Math.max(a[l], b[l]), d = hi - lo;
                c[l] = lo - 0.5 * d + rng.nextDouble() * 2 * d;
            }
        }
        return new Proposal(c, "ga:crossover-" + (uniform ? "uniform" : "blend") + " " + pair[0] + "x" + pair[1]);
    }

    @Override
    public List<Proposal> mutate(List<Member> population, int[] parents, SearchSpace space, SplittableRandom rng) {
        List<Proposal> out = new ArrayList<>();
        for (int p : parents) out.add(mutate(population.get(p).rates(), p, space, rng));
        return out;
    }

    static Proposal mutate(double[] parent, int index, SearchSpace space, SplittableRandom rng) {
        double[] c = parent.clone();
        List<Integer> searched = new ArrayList<>();
        for (int l = 0; l < c.length; l++) if (space.searched(l)) searched.add(l);
        boolean move = searched.size() > 1 && rng.nextBoolean();
        if (move) {
            int from = searched.get(rng.nextInt(searched.size())), to = from;
            while (to == from) to = searched.get(rng.nextInt(searched.size()));
            double delta = 0.02 + 0.13 * rng.nextDouble();
            delta = Math.min(delta, c[from] - space.minRate());
            delta = Math.min(delta, (space.maxRate() - c[to]) * space.weight(to) / space.weight(from));
            delta = Math.max(0, delta);
            c[from] -= delta;
            c[to] += delta * space.weight(from) / space.weight(to);
            return new Proposal(c, "ga:mutation-move " + index + " L" + from + "->L" + to);
        }
        for (int l : searched) c[l] += SIGMA * gaussian(rng);
        return new Proposal(c, "ga:mutation-gauss " + index);
    }

    /** A standard normal draw (Box–Muller, StrictMath, so the same seed gives the same bits everywhere). */
    static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble(), v = rng.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * Math.PI * v);
    }
}
