package dev.lopper.allocation.search;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The genetic operators of the search. {@code ga} implements them with classic random operators;
 * {@code llm} and {@code self} ask a chat model through prompts and fall back to {@code ga} for
 * any item the reply does not provide usably. Proposals are raw rate vectors (one per layer);
 * the search repairs them. The population handed in is sorted best first.
 */
public interface Operator extends AutoCloseable {
    String name();

    /** Releases what the operator holds (an HTTP client); nothing by default. */
    @Override
    default void close() {}

    /** {@code count} initial genomes. */
    List<Proposal> initial(int count, SearchSpace space, SplittableRandom rng);

    /** Parents: {@code crossovers} pairs and {@code mutations} singles, as indices into {@code population}. */
    Parents select(List<Member> population, int crossovers, int mutations, SplittableRandom rng);

    /** One child per pair. */
    List<Proposal> crossover(List<Member> population, List<int[]> pairs, SearchSpace space, SplittableRandom rng);

    /** One mutant per parent. */
    List<Proposal> mutate(List<Member> population, int[] parents, SearchSpace space, SplittableRandom rng);

    /** Chosen parents. */
    record Parents(List<int[]> pairs, int[] singles) {}

    /** A proposed genome and how it came about ("crossover:uniform 3x7", "llm:mutation", "ga-fallback:..."). */
    record Proposal(double[] rates, String origin) {}
}
