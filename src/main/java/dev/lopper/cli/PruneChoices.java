package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.allocation.AllocationKind;
import dev.lopper.allocation.Modules;
import dev.lopper.importance.CriterionKind;
import dev.lopper.importance.hywia.FusionOptions;
import dev.lopper.pipeline.Method;
import dev.lopper.pipeline.PruneOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The options that decide a pruning run, in the sections --help shows (argument groups with
 * headings; {@code validate = false}: they group help, they do not constrain the command line).
 * {@code lopper search} takes {@link TargetChoices} (what to prune, calibration); {@code lopper
 * prune} takes these, which add the allocation and HyWIA's options that the search does not read.
 */
final class PruneChoices extends TargetChoices {
    @ArgGroup(validate = false, heading = "%nAllocation (how the budget is spread over layers):%n", order = 2)
    Allocation allocation = new Allocation();

    @ArgGroup(validate = false, heading = "%nHyWIA (--criterion hywia or --method hywia):%n", order = 4)
    Hywia hywia = new Hywia();

    static final class Allocation {
        @Option(names = "--allocation", paramLabel = "NAME", description = "${COMPLETION-CANDIDATES}; file reads --rates, search takes the Search options below (default: from --method).")
        AllocationKind allocation;

        @Option(names = "--rates", paramLabel = "FILE", description = "Per-layer rates for --allocation file: a JSON array or one per line (default: none).")
        Path rates;

        @Option(names = "--round-to", paramLabel = "N", defaultValue = "0",
                description = "Keep every pruned layer's MLP width a multiple of N (e.g. 32 for llama.cpp's Q8_0, 64 or 128 for GEMM tiles), meeting the target as closely as rounding allows (default 0: widths as allocated).")
        int roundTo;

        @Option(names = "--bias-compensation", negatable = true, description = "FLAP's bias compensation (default: from --method).")
        Boolean bias;

        void applyTo(PruneOptions.Builder b) {
            given(allocation, b::allocation);
            given(rates, b::ratesFile);
            given(bias, b::biasCompensation);
            b.roundTo(roundTo);
        }
    }

    static final class Hywia {
        @Option(names = "--fusion", paramLabel = "learned|fine|coarse|fixed:A",
                description = "HyWIA's blend: learned (default), fine only, coarse only, or fixed:A with A in [0, 1] "
                        + "the weight of the fine score.")
        FusionOptions.Blend fusion;

        @Option(names = "--fusion-norm", paramLabel = "NAME",
                description = "Normalise fine and coarse scores within each (layer, module) by their mean, "
                        + "or by rank: ${COMPLETION-CANDIDATES} (default mean).")
        FusionOptions.Normalisation fusionNorm;

        @Option(names = "--fusion-steps", paramLabel = "N",
                description = "Adam steps of the learned fusion (default " + FusionOptions.DEFAULT_STEPS + ").")
        Integer fusionSteps;

        @Option(names = "--fusion-lr", paramLabel = "LR",
                description = "Adam step size of the learned fusion (default " + FusionOptions.DEFAULT_LR + ").")
        Double fusionLr;

        @Option(names = "--fusion-samples", paramLabel = "N",
                description = "Fusion windows, disjoint from the gradient windows (default "
                        + FusionOptions.DEFAULT_SAMPLES + ").")
        Integer fusionSamples;

        @Option(names = "--fusion-len", paramLabel = "N",
                description = "Tokens per fusion window (default " + FusionOptions.DEFAULT_LENGTH + ").")
        Integer fusionLength;

        @Option(names = "--fusion-temperature", paramLabel = "T0:T1",
                description = "Soft-mask temperature, annealed geometrically from T0 to T1 over the steps "
                        + "(default " + FusionOptions.DEFAULT_T0 + ":" + FusionOptions.DEFAULT_T1 + ").")
        String fusionTemperature;

        /** The first HyWIA-only option given, or null. */
        String firstGiven() {
            if (fusion != null) return "--fusion";
            if (fusionNorm != null) return "--fusion-norm";
            if (fusionSteps != null) return "--fusion-steps";
            if (fusionLr != null) return "--fusion-lr";
            if (fusionSamples != null) return "--fusion-samples";
            if (fusionLength != null) return "--fusion-len";
            if (fusionTemperature != null) return "--fusion-temperature";
            return null;
        }

        PruneOptions apply(PruneOptions o) {
            String given = firstGiven();
            if (given != null && o.criterion() != CriterionKind.HYWIA)
                throw new BadInputException(given + " is an option of HyWIA (--criterion hywia or --method hywia), "
                        + "not of criterion " + o.criterion());
            if (given == null) return o;
            Double t0 = null, t1 = null;
            if (fusionTemperature != null) {
                String[] p = fusionTemperature.split(":");
                try {
                    if (p.length != 2) throw new NumberFormatException();
                    t0 = Double.parseDouble(p[0].trim());
                    t1 = Double.parseDouble(p[1].trim());
                } catch (NumberFormatException e) {
                    throw new BadInputException("--fusion-temperature must be T0:T1 with two numbers, not '"
                            + fusionTemperature + "'");
                }
            }
            FusionOptions.Builder f = o.fusion().toBuilder();
            given(fusion, f::blend);
            given(fusionNorm, f::normalisation);
            given(fusionSteps, f::steps);
            given(fusionLr, f::learningRate);
            given(fusionSamples, f::samples);
            given(fusionLength, f::length);
            given(t0, f::startTemperature);
            given(t1, f::endTemperature);
            return o.withFusion(f.build());
        }
    }

    @Override
    PruneOptions options() {
        PruneOptions.Builder b = builder();
        allocation.applyTo(b);
        PruneOptions o = b.build();
        if (allocation.rates != null && o.allocation() != AllocationKind.FILE)
            throw new BadInputException("--rates is read by --allocation file only, not by allocation "
                    + o.allocation() + "; add --allocation file or drop --rates");
        return hywia.apply(o);
    }

    /** The rates file and a calibration text given as a path are inputs. */
    @Override
    dev.lopper.util.OutputPaths.Guard inputsTo(dev.lopper.util.OutputPaths.Guard guard) {
        return super.inputsTo(guard.input(allocation.rates, "--rates"));
    }
}
