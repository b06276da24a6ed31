package dev.lopper.calib;

/** Progress of a long pass (calibration, scoring); the CLI draws it, libraries never print. */
@FunctionalInterface
public interface Progress {
    /** {@code done} of {@code total} units of the step named {@code what}. */
    void update(long done, long total, String what);

    /** Ignores all progress. */
    Progress NONE = (done, total, what) -> {};
}
