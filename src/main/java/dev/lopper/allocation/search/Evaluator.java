package dev.lopper.allocation.search;

import dev.lopper.allocation.RemovalCounts;

import java.util.List;

/**
 * Where the search's fitness evaluations run: this JVM's threads ({@link MaskedFitness}) or the
 * workers of a cluster (package {@code cluster}). Either gives, for each candidate, the same bits
 * as {@link MaskedFitness#evaluate} on one thread.
 */
public interface Evaluator {
    /** Candidates handed over at once: the evolution calls {@link #evaluateAll} with at most this many. */
    int batch();

    /** Fitness of each candidate (in order) on the first {@code windows} fitness windows. */
    double[] evaluateAll(List<RemovalCounts> candidates, int windows);
}
