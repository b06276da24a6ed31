package dev.lopper.pipeline;

import dev.lopper.BadInputException;
import dev.lopper.allocation.Modules;
import dev.lopper.importance.FusionOptions;
import dev.lopper.importance.LlmPrunerPreset;

import java.nio.file.Path;

/**
 * Everything that decides a pruning run. {@link #preset} fills in a published method's
 * settings; explicit options override them.
 *
 * @param criterion          random, l1, l2, wanda-sp, flap, taylor-vector, taylor-element
 * @param secondOrder        Taylor with the Fisher term (LLM-Pruner "param_mix")
 * @param allocation         uniform, owl, flap-global, or file (with {@code ratesFile})
 * @param target             fraction of ALL parameters to remove, embeddings included
 * @param layers             the prunable layers: explicit, or the llm-pruner preset's depth-scaled range
 * @param calibration        corpus name or file for calibration text
 * @param calibrationSamples number of windows
 * @param calibrationLength  tokens per window
 * @param biasCompensation   FLAP's bias compensation of removed columns
 * @param roundTo            keep every pruned layer's MLP width a multiple of this (0: as allocated)
 * @param fusion             HyWIA's blend of its two granularities (used by criterion hywia only)
 */
public record PruneOptions(String method, String criterion, boolean secondOrder, String allocation, Path ratesFile,
                           double target, Modules modules, LayerSpec layers, boolean allowEmptyLayers,
                           String calibration, int calibrationSamples, int calibrationLength, long seed,
                           boolean biasCompensation, int roundTo, FusionOptions fusion) {

    private static final LayerSpec ALL = new LayerSpec.Explicit(0, 0);

    /** The settings of a named method; {@code custom} starts from wanda-sp, uniform, 32 × 128 tokens of C4. */
    public static PruneOptions preset(String method, double target) {
        return switch (method) {
            // LLM-Pruner: element-wise first-order Taylor, uniform over layers [4, n-2) (scaled with depth
            // below 32 layers), 10 × 64 tokens.
            case "llm-pruner" -> new PruneOptions(method, "taylor-element", false, "uniform", null, target,
                    Modules.BOTH, new LayerSpec.LlmPruner(), false, "c4",
                    LlmPrunerPreset.WINDOWS, LlmPrunerPreset.LENGTH, 0, false, 0, FusionOptions.DEFAULT);
            // HyWIA: LLM-Pruner's calibration and layers (so the two compare on equal terms), second-order
            // fine and coarse Taylor scores from one gradient pass, and the learned fusion.
            case "hywia" -> preset("llm-pruner", target).asMethod(method, "hywia");
            // FLAP: fluctuation metric, global standardised threshold, bias compensation, 1024 × 128 tokens.
            case "flap" -> new PruneOptions(method, "flap", false, "flap-global", null, target,
                    Modules.BOTH, ALL, false, "c4", 1024, 128, 0, true, 0, FusionOptions.DEFAULT);
            // Wanda-sp (FLAP's structured Wanda baseline): |W|·‖x‖ per group, uniform rate, 128 × 2048 tokens.
            case "wanda-sp" -> new PruneOptions(method, "wanda-sp", false, "uniform", null, target,
                    Modules.BOTH, ALL, false, "c4", 128, 2048, 0, false, 0, FusionOptions.DEFAULT);
            case "custom" -> new PruneOptions(method, "wanda-sp", false, "uniform", null, target,
                    Modules.BOTH, ALL, false, "c4", 32, 128, 0, false, 0, FusionOptions.DEFAULT);
            default -> throw new BadInputException("unknown --method '" + method
                    + "' (known: llm-pruner, hywia, flap, wanda-sp, custom)");
        };
    }

    public PruneOptions with(String criterion, Boolean secondOrder, String allocation, Path ratesFile,
                             Modules modules, Integer layerStart, Integer layerEnd, Boolean allowEmpty,
                             String calibration, Integer samples, Integer length, Long seed, Boolean bias) {
        return new PruneOptions(method, or(criterion, this.criterion), or(secondOrder, this.secondOrder),
                or(allocation, this.allocation), or(ratesFile, this.ratesFile), target, or(modules, this.modules),
                layerStart != null || layerEnd != null
                        ? new LayerSpec.Explicit(or(layerStart, 0), or(layerEnd, 0)) : this.layers,
                or(allowEmpty, this.allowEmptyLayers),
                or(calibration, this.calibration), or(samples, this.calibrationSamples),
                or(length, this.calibrationLength), or(seed, this.seed), or(bias, this.biasCompensation), roundTo,
                fusion);
    }

    /** The same options with MLP widths rounded to multiples of {@code n} (0: not rounded). */
    public PruneOptions withRoundTo(int n) {
        if (n < 0) throw new BadInputException("--round-to must be 0 (no rounding) or a positive multiple, not " + n);
        return new PruneOptions(method, criterion, secondOrder, allocation, ratesFile, target, modules, layers,
                allowEmptyLayers, calibration, calibrationSamples, calibrationLength, seed, biasCompensation, n, fusion);
    }

    public PruneOptions withFusion(FusionOptions f) {
        return new PruneOptions(method, criterion, secondOrder, allocation, ratesFile, target, modules, layers,
                allowEmptyLayers, calibration, calibrationSamples, calibrationLength, seed, biasCompensation, roundTo, f);
    }

    /** This preset's settings under another method name and criterion. */
    private PruneOptions asMethod(String name, String crit) {
        return new PruneOptions(name, crit, false, allocation, ratesFile, target, modules, layers,
                allowEmptyLayers, calibration, calibrationSamples, calibrationLength, seed, biasCompensation, roundTo,
                fusion);
    }

    private static <T> T or(T given, T fallback) {
        return given != null ? given : fallback;
    }

    /** The presets --method knows, in the order --help lists them. */
    public static final java.util.List<String> METHODS = java.util.List.of("llm-pruner", "hywia", "flap", "wanda-sp", "custom");

    /** One line per preset saying what it fills in (for --help), made from {@link #preset} itself. */
    public static java.util.List<String> presetLines() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String m : METHODS) {
            PruneOptions p = preset(m, 0.2);
            String layers = p.layers().help();
            out.add(String.format("  %-10s %s, %s, %s, %d×%d of %s%s", m, p.criterion(),
                    p.allocation(), layers, p.calibrationSamples(), p.calibrationLength(), p.calibration(),
                    p.biasCompensation() ? ", bias compensation" : "")
                    + ("hywia".equals(p.criterion()) ? ", " + p.fusion().modeName() + " fusion" : ""));
        }
        return out;
    }
}
