package dev.lopper.allocation.search;

/** A population member: a repaired candidate and its fitness (lower = better). */
public record Member(Candidate candidate, double fitness) {
    public double[] rates() {
        return candidate.rates();
    }
}
