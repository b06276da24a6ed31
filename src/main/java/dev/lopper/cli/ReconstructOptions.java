package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.pipeline.ReconstructJob;
import dev.lopper.recovery.Reconstruction;
import picocli.CommandLine.Option;

/** The options of the least-squares reconstruction, shared by prune and recover. */
final class ReconstructOptions {
    @Option(names = "--reconstruct",
            description = "Re-fit o_proj's and down_proj's kept input columns (and their biases where present) to the "
                    + "dense model's layer outputs on the calibration windows, by ridge least squares (default: off).")
    boolean reconstruct;

    @Option(names = "--reconstruct-mode", paramLabel = "one-shot|sequential",
            description = "one-shot: every layer's inputs from the dense model; sequential: from the already re-fitted "
                    + "pruned model, targets from the dense one (default: one-shot, measured better on stories260K-hf).")
    String mode;

    @Option(names = "--ridge", paramLabel = "X",
            description = "Ridge term as a fraction of the mean diagonal of each kept-input Gram (default: "
                    + Reconstruction.Options.DEFAULT_RIDGE + ").")
    Double ridge;

    @Option(names = "--reconstruct-windows", paramLabel = "N",
            description = "Calibration windows for the re-fit (default: --calib-windows).")
    Integer windows;

    /** Refuses reconstruction options without --reconstruct; null when reconstruction is off. */
    ReconstructJob.Request request(String calibration, int calibWindows, int length, long seed) {
        String given = mode != null ? "--reconstruct-mode" : ridge != null ? "--ridge"
                : windows != null ? "--reconstruct-windows" : null;
        if (!reconstruct) {
            if (given != null) throw new BadInputException(given + " needs --reconstruct");
            return null;
        }
        if (windows != null && windows < 1) throw new BadInputException("--reconstruct-windows must be at least 1");
        Reconstruction.Mode m = mode == null ? Reconstruction.Options.DEFAULT_MODE : Reconstruction.Mode.parse(mode);
        double r = ridge == null ? Reconstruction.Options.DEFAULT_RIDGE : ridge;
        if (!(r >= 0) || Double.isInfinite(r)) throw new BadInputException("--ridge must be a number ≥ 0, not " + ridge);
        return new ReconstructJob.Request(m, r, calibration, windows == null ? calibWindows : windows, length, seed);
    }
}
