package dev.lopper.io;

import dev.lopper.util.PeakMemory;
import dev.lopper.util.Sha256;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lopper.model.LlamaModel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What pruning.json says about one pruning run: what went in (with checksums, so a result can be
 * traced to exact files), the options, which groups each layer kept, the parameter counts and
 * what the run cost. It holds no evaluation results: evaluation is a separate step with its own
 * report. Serialised with Jackson ({@link PruningRecordFile}).
 */
public record PruningRecord(
        String lopperVersion,
        Inputs inputs,
        Options options,
        List<LayerKept> kept,
        Parameters parameters,
        Run run,
        @JsonInclude(JsonInclude.Include.NON_NULL) Fusion fusion) {

    /** A record without a HyWIA fusion (every other criterion). */
    public PruningRecord(String lopperVersion, Inputs inputs, Options options, List<LayerKept> kept,
                         Parameters parameters, Run run) {
        this(lopperVersion, inputs, options, kept, parameters, run, null);
    }

    /**
     * HyWIA's fusion: its settings, the learned parameters (null when the blend was fixed), α per
     * (layer, module), and the learning run.
     *
     * @param mode          learned, fine, coarse or fixed:A
     * @param windowOffsets where each fusion window starts in the calibration token stream (empty when fixed)
     * @param query         Q [d × |ψ|] (learned only)
     * @param key           K [d × |φ|] (learned only)
     * @param loss          soft-mask calibration NLL per step (learned only)
     * @param hardLossStep   steps after which the blend was tried with hard masks (0 = the start; learned only)
     * @param hardLoss       NLL on the fusion windows with those hard masks
     * @param bestStep       the check whose parameters were kept (lowest hard-mask NLL)
     */
    public record Fusion(String mode, String normalisation, int steps, double learningRate, int samples, int length,
                         double startTemperature, double endTemperature, int[] windowOffsets, double[][] query,
                         double[][] key, List<Alpha> alpha, double[] loss, int[] hardLossStep, double[] hardLoss,
                         Integer bestStep) {
        /** NLL of the starting blend's hard masks on the fusion windows (learned only, else null). */
        public Double hardLossBefore() { return hardLoss == null ? null : hardLoss[0]; }

        /** NLL of the kept blend's hard masks on the fusion windows (learned only, else null). */
        public Double hardLossAfter() {
            if (hardLoss == null) return null;
            for (int j = 0; j < hardLossStep.length; j++) if (hardLossStep[j] == bestStep) return hardLoss[j];
            return null;
        }
    }

    /** α of one (layer, module): the weights of the fine and the coarse score. */
    public record Alpha(int layer, String module, double fine, double coarse) {}

    /**
     * @param model       the checkpoint directory or file as given
     * @param modelFiles  its weight files with checksums
     * @param calibration the calibration text file, null when the criterion needs none
     */
    public record Inputs(String model, List<Sha256.FileDigest> modelFiles, Sha256.FileDigest calibration) {}

    /**
     * @param target             fraction of ALL the model's parameters to remove (embeddings included)
     * @param layerStart         first prunable layer; layers outside [layerStart, layerEnd) are untouched
     * @param calibrationSamples number of calibration windows (0 when none were used)
     * @param calibrationLength  tokens per calibration window
     * @param roundTo            --round-to: every pruned layer's MLP width a multiple of this (0: as allocated;
     *                           also what a pruning.json written before the option was recorded reads as)
     */
    public record Options(String criterion, String allocation, double target, String modules,
                          int layerStart, int layerEnd, boolean allowEmptyLayers, boolean biasCompensation,
                          long seed, int calibrationSamples, int calibrationLength, int roundTo) {}

    /** The kv heads (each with its query heads) and the MLP channels a layer kept, ascending. */
    public record LayerKept(int layer, int[] kvHeads, int[] channels) {}

    /** Counts of stored parameters; {@code fractionRemoved} is over all of them, embeddings included. */
    public record Parameters(long before, long after, double fractionRemoved) {
        public static Parameters of(LlamaModel dense, LlamaModel pruned) {
            long b = dense.parameterCount(), a = pruned.parameterCount();
            return new Parameters(b, a, b == 0 ? 0 : (double) (b - a) / b);
        }
    }

    /**
     * @param startedAt       ISO-8601 UTC instant
     * @param seconds         wall-clock duration
     * @param peakMemoryBytes see {@link PeakMemory}; {@code peakMemorySource} says what was measured
     */
    public record Run(String startedAt, double seconds, long peakMemoryBytes, String peakMemorySource) {
        /** A run that started at {@code start} and ends now, with the process's peak memory so far. */
        public static Run since(Instant start) {
            PeakMemory.Reading m = PeakMemory.read();
            return new Run(start.toString(), Duration.between(start, Instant.now()).toNanos() / 1e9, m.bytes(), m.source());
        }
    }

    /** The kept indices of a plan ({@code KeepPlan.keptKvHeads()}, {@code keptChannels()}), one entry per layer. */
    public static List<LayerKept> keptOf(int[][] kvHeads, int[][] channels) {
        List<LayerKept> out = new ArrayList<>();
        for (int l = 0; l < kvHeads.length; l++) out.add(new LayerKept(l, kvHeads[l].clone(), channels[l].clone()));
        return out;
    }

    /** Lopper's version: the pom's, as everywhere else ({@link dev.lopper.util.Version}). */
    public static String currentVersion() {
        return dev.lopper.util.Version.current();
    }
}
