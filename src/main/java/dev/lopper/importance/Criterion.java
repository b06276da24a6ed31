package dev.lopper.importance;

import dev.lopper.calib.Statistic;

import java.util.Set;

/**
 * Turns a model into per-group scores. Everything a criterion reads comes through its
 * {@link ScoringContext}: the model, the calibration statistics it declares in {@link #needs}
 * (computed once, on demand), windows held out from calibration ({@link #heldOut}), and the
 * allocation's counts when it {@linkplain #readsCounts reads them}.
 */
public interface Criterion {
    /** The registry name, e.g. "wanda-sp". */
    String name();

    /** The statistics {@link #score} reads; empty for weight-only criteria. The run collects them at its calibration stage. */
    Set<Statistic> needs();

    /**
     * How many windows of how many tokens, disjoint from the calibration windows, {@link #score}
     * reads ({@link ScoringContext#heldOut}); null (the default) for none.
     */
    default HeldOut heldOut() { return null; }

    /**
     * Whether {@link #score} reads the allocation's counts. Then a run scores twice: before the
     * allocation (without counts: what a score-dependent allocation sees) and after it, with
     * {@link ScoringContext#withCounts}; the second scores are the ones selection uses.
     */
    default boolean readsCounts() { return false; }

    /** The name of the run's stage that scores with counts (`--json` stages, the stage line). */
    default String countsStage() { return "scoring with counts"; }

    /** One score per prunable group, higher = keep. */
    Scores score(ScoringContext context);

    /**
     * A request for held-out windows.
     *
     * @param settings what sets {@code samples} and {@code length}, in words, for the error when the text is too short
     */
    record HeldOut(int samples, int length, String settings) {}
}
