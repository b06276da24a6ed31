package dev.lopper.data;

import java.nio.file.Path;
import java.util.List;

/** A zero-shot task: where its staged file lives, how to read it, and how it is scored. */
public interface ZeroShotTask {
    /** Short name used on the command line and in reports, e.g. "arc_easy". */
    String name();

    /** The staged file, relative to the eval data dir. */
    Path relativeFile();

    ScoringKind kind();

    /** The metric the usual pruning-paper table reports for this task. */
    Metric tableMetric();

    /** One line saying how context and continuation are built, for reports and docs. */
    String promptFormat();

    /**
     * Reads every example of the file.
     *
     * @throws dev.lopper.BadInputException naming file and line when the file is malformed or empty
     */
    List<TaskExample> read(Path file);
}
