package dev.lopper.util;

/** Receives progress of a long job; implementations decide whether and how to show it. */
@FunctionalInterface
public interface ProgressListener {
    /** {@code done} of {@code total} units finished; {@code what} names the current job. */
    void update(long done, long total, String what);

    /** A listener that ignores everything (tests, non-interactive runs). */
    ProgressListener NONE = (done, total, what) -> {};
}
