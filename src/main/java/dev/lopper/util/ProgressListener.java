package dev.lopper.util;

/**
 * Progress of long work (calibration, scoring, evaluation). Nothing below the CLI prints;
 * the CLI turns these calls into a progress bar on a terminal.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total, what) -> {};

    void update(long done, long total, String what);

    /** A line for the user before long work starts (what it will process, how long it should take); none by default. */
    default void notice(String line) {}
}
