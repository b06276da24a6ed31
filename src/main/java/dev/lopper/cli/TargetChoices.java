package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.Modules;
import dev.lopper.importance.CriterionKind;
import dev.lopper.pipeline.Method;
import dev.lopper.pipeline.PruneOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * What to prune and how to calibrate: the options {@code lopper search} and {@code lopper prune}
 * share, in two sections of --help ({@link PruneChoices} adds prune's own).
 */
class TargetChoices {
    @ArgGroup(validate = false, heading = "%nWhat to prune:%n", order = 1)
    Target what = new Target();

    @ArgGroup(validate = false, heading = "%nCalibration:%n", order = 3)
    Calibration calib = new Calibration();

    /** The settings of {@code --method}, overridden by the options given. */
    PruneOptions options() {
        return builder().build();
    }

    PruneOptions.Builder builder() {
        PruneOptions.Builder b = PruneOptions.preset(what.method, what.target).toBuilder();
        calib.applyTo(b);
        what.applyTo(b);
        return b;
    }

    /** A calibration text given as a path is an input. */
    dev.lopper.util.OutputPaths.Guard inputsTo(dev.lopper.util.OutputPaths.Guard guard) {
        return guard.inputNamed(calib.calibration, "--calib");
    }

    /** Sets a value that was given (not null) on the command line. */
    static <T> void given(T value, java.util.function.Consumer<T> set) {
        if (value != null) set.accept(value);
    }

    static final class Target {
        @Option(names = "--method", paramLabel = "PRESET", defaultValue = "custom",
                description = "Preset: ${COMPLETION-CANDIDATES}, described under Presets (default ${DEFAULT-VALUE}).")
        Method method;

        @Option(names = "--target", paramLabel = "FRACTION", defaultValue = "0.2",
                description = "Fraction of all parameters to remove, in [0, 1) (default ${DEFAULT-VALUE}).")
        double target;

        @Option(names = "--criterion", paramLabel = "NAME", description = "${COMPLETION-CANDIDATES} (default: from --method).")
        CriterionKind criterion;

        @Option(names = "--second-order", description = "Taylor with the Fisher term (LLM-Pruner 'param_mix') (default: off).")
        Boolean secondOrder;

        @Option(names = "--modules", paramLabel = "NAME", description = "${COMPLETION-CANDIDATES} (default: from --method).")
        Modules modules;

        @Option(names = "--layers", paramLabel = "START:END",
                description = "Prunable layers [START, END); END may be negative (n+END), e.g. 4:-2; 0:0 = all (default: from --method).")
        String layers;

        @Option(names = "--allow-empty-layers", description = "Let a layer lose all its heads or all its channels (default: off).")
        Boolean allowEmpty;

        void applyTo(PruneOptions.Builder b) {
            if (layers != null) {
                String[] p = layers.split(":");
                if (p.length != 2) throw new BadInputException("--layers must be START:END, got " + layers);
                try {
                    b.layers(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
                } catch (NumberFormatException e) {
                    throw new BadInputException("--layers must be START:END with integers, got " + layers);
                }
            }
            given(criterion, b::criterion);
            given(secondOrder, b::secondOrder);
            given(modules, b::modules);
            given(allowEmpty, b::allowEmptyLayers);
        }
    }

    static final class Calibration {
        @Option(names = "--calib", paramLabel = "FILE|NAME", description = "Calibration text: a file or a corpus name (default: from --method).")
        String calibration;

        @Option(names = "--calib-windows", paramLabel = "N", description = "Calibration windows (default: from --method).")
        Integer samples;

        /** The old name of --calib-windows, kept working but not shown. */
        @Option(names = "--calib-samples", hidden = true, paramLabel = "N")
        void calibSamples(int n) {
            samples = n;
        }

        @Option(names = "--calib-len", paramLabel = "N",
                description = "Tokens per calibration window, clamped to the model's context (default: from --method).")
        Integer length;

        @Option(names = "--seed", paramLabel = "N", description = "Seed for calibration windows, the random criterion and HyWIA's fusion (its start and fusion windows) (default: from --method: 0).")
        Long seed;

        void applyTo(PruneOptions.Builder b) {
            if (samples != null && samples < 1) throw new BadInputException("--calib-windows must be at least 1");
            if (length != null && length < 2) throw new BadInputException("--calib-len must be at least 2 tokens");
            given(calibration, b::calibration);
            given(samples, b::calibrationSamples);
            given(length, b::calibrationLength);
            given(seed, b::seed);
        }
    }

}
