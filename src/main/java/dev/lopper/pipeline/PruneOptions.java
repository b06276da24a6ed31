package dev.lopper.pipeline;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.allocation.AllocationKind;
import dev.lopper.allocation.Modules;
import dev.lopper.importance.CriterionKind;
import dev.lopper.importance.hywia.FusionOptions;
import dev.lopper.importance.LlmPrunerPreset;

import java.nio.file.Path;

/**
 * Everything that decides a pruning run. {@link #preset} fills in a published method's
 * settings; explicit options override them.
 *
 * @param method             the preset these settings started from
 * @param criterion          how groups are scored
 * @param secondOrder        Taylor with the Fisher term (LLM-Pruner "param_mix")
 * @param allocation         how the budget is spread over layers ({@code file} reads {@code ratesFile})
 * @param target             fraction of ALL parameters to remove, embeddings included
 * @param layers             the prunable layers: explicit, or the llm-pruner preset's depth-scaled range
 * @param calibration        corpus name or file for calibration text
 * @param calibrationSamples number of windows
 * @param calibrationLength  tokens per window
 * @param biasCompensation   FLAP's bias compensation of removed columns
 * @param roundTo            keep every pruned layer's MLP width a multiple of this (0: as allocated)
 * @param fusion             HyWIA's blend of its two granularities (used by criterion hywia only)
 */
public record PruneOptions(Method method, CriterionKind criterion, boolean secondOrder, AllocationKind allocation, Path ratesFile,
                           double target, Modules modules, LayerSpec layers, boolean allowEmptyLayers,
                           String calibration, int calibrationSamples, int calibrationLength, long seed,
                           boolean biasCompensation, int roundTo, FusionOptions fusion) {

    /** The settings of a named method; {@code custom} starts from wanda-sp, uniform, 32 × 128 tokens of C4. */
    public static PruneOptions preset(Method method, double target) {
        Builder b = new Builder(method, target);   // custom's settings, which the others change
        return switch (method) {
            // LLM-Pruner: element-wise first-order Taylor, uniform over layers [4, n-2) (scaled with depth
            // below 32 layers), 10 × 64 tokens.
            case LLM_PRUNER -> b.criterion(CriterionKind.TAYLOR_ELEMENT).layers(new LayerSpec.LlmPruner())
                    .calibrationSamples(LlmPrunerPreset.WINDOWS).calibrationLength(LlmPrunerPreset.LENGTH).build();
            // HyWIA: LLM-Pruner's calibration and layers (so the two compare on equal terms), second-order
            // fine and coarse Taylor scores from one gradient pass, and the learned fusion.
            case HYWIA -> preset(Method.LLM_PRUNER, target).toBuilder().method(method).criterion(CriterionKind.HYWIA)
                    .secondOrder(false).build();
            // FLAP: fluctuation metric, global standardised threshold, bias compensation, 1024 × 128 tokens.
            case FLAP -> b.criterion(CriterionKind.FLAP).allocation(AllocationKind.FLAP_GLOBAL)
                    .calibrationSamples(1024).calibrationLength(128).biasCompensation(true).build();
            // Wanda-sp (FLAP's structured Wanda baseline): |W|·‖x‖ per group, uniform rate, 128 × 2048 tokens.
            case WANDA_SP -> b.calibrationSamples(128).calibrationLength(2048).build();
            case CUSTOM -> b.build();
        };
    }

    /** A builder holding these options, to change some by name. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The same options with MLP widths rounded to multiples of {@code n} (0: not rounded). */
    public PruneOptions withRoundTo(int n) {
        return toBuilder().roundTo(n).build();
    }

    public PruneOptions withFusion(FusionOptions f) {
        return toBuilder().fusion(f).build();
    }

    /**
     * Pruning options set by name, starting from a preset's ({@link #toBuilder}); {@link #build}
     * makes the record. Setters take the settings' own types, so two settings cannot be swapped.
     */
    public static final class Builder {
        private Method method;
        private CriterionKind criterion = CriterionKind.WANDA_SP;
        private boolean secondOrder;
        private AllocationKind allocation = AllocationKind.UNIFORM;
        private Path ratesFile;
        private final double target;
        private Modules modules = Modules.BOTH;
        private LayerSpec layers = new LayerSpec.Explicit(0, 0);
        private boolean allowEmptyLayers;
        private String calibration = "c4";
        private int calibrationSamples = 32;
        private int calibrationLength = 128;
        private long seed;
        private boolean biasCompensation;
        private int roundTo;
        private FusionOptions fusion = FusionOptions.DEFAULT;

        private Builder(Method method, double target) {
            this.method = method;
            this.target = target;
        }

        private Builder(PruneOptions o) {
            this(o.method, o.target);
            criterion = o.criterion;
            secondOrder = o.secondOrder;
            allocation = o.allocation;
            ratesFile = o.ratesFile;
            modules = o.modules;
            layers = o.layers;
            allowEmptyLayers = o.allowEmptyLayers;
            calibration = o.calibration;
            calibrationSamples = o.calibrationSamples;
            calibrationLength = o.calibrationLength;
            seed = o.seed;
            biasCompensation = o.biasCompensation;
            roundTo = o.roundTo;
            fusion = o.fusion;
        }

        private Builder method(Method m) { method = m; return this; }

        public Builder criterion(CriterionKind c) { criterion = c; return this; }

        public Builder secondOrder(boolean b) { secondOrder = b; return this; }

        public Builder allocation(AllocationKind a) { allocation = a; return this; }

        public Builder ratesFile(Path p) { ratesFile = p; return this; }

        public Builder modules(Modules m) { modules = m; return this; }

        public Builder layers(LayerSpec l) { layers = l; return this; }

        /** Layers [start, end); end may be negative (n + end); 0:0 = all. */
        public Builder layers(int start, int end) { return layers(new LayerSpec.Explicit(start, end)); }

        public Builder allowEmptyLayers(boolean b) { allowEmptyLayers = b; return this; }

        /** A corpus name or a file. */
        public Builder calibration(String c) { calibration = c; return this; }

        public Builder calibrationSamples(int n) { calibrationSamples = n; return this; }

        public Builder calibrationLength(int tokens) { calibrationLength = tokens; return this; }

        public Builder seed(long s) { seed = s; return this; }

        public Builder biasCompensation(boolean b) { biasCompensation = b; return this; }

        public Builder roundTo(int n) { roundTo = n; return this; }

        public Builder fusion(FusionOptions f) { fusion = f; return this; }

        public PruneOptions build() {
            if (roundTo < 0)
                throw new BadSettingException(Setting.ROUND_TO, "must be 0 (no rounding) or a positive multiple, not " + roundTo);
            return new PruneOptions(method, criterion, secondOrder, allocation, ratesFile, target, modules, layers,
                    allowEmptyLayers, calibration, calibrationSamples, calibrationLength, seed, biasCompensation,
                    roundTo, fusion);
        }
    }

    /** One line per preset saying what it fills in (for --help), made from {@link #preset} itself. */
    public static java.util.List<String> presetLines() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Method m : Method.values()) {
            PruneOptions p = preset(m, 0.2);
            String layers = p.layers().help();
            out.add(String.format("  %-10s %s, %s, %s, %d×%d of %s%s", m, p.criterion(),
                    p.allocation(), layers, p.calibrationSamples(), p.calibrationLength(), p.calibration(),
                    p.biasCompensation() ? ", bias compensation" : "")
                    + (p.criterion() == CriterionKind.HYWIA ? ", " + p.fusion().modeName() + " fusion" : ""));
        }
        return out;
    }
}
