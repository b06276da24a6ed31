package dev.lopper.importance;

import dev.lopper.calib.Statistic;
import dev.lopper.calib.Statistics;
import dev.lopper.model.LlamaModel;

import java.util.Set;

/** Turns a model (and the calibration statistics it declares it needs) into per-group scores. */
public interface Criterion {
    /** The registry name, e.g. "wanda-sp". */
    String name();

    /** The statistics {@link #score} reads; empty for weight-only criteria. */
    Set<Statistic> needs();

    /** One score per prunable group, higher = keep. */
    Scores score(LlamaModel model, Statistics stats);
}
