package dev.lopper.cli;

import dev.lopper.Setting;

import java.util.EnumMap;
import java.util.Map;

/** The option that sets each {@link Setting}: lower stages name what is wrong by key, the CLI by option. */
final class OptionNames {
    private OptionNames() {}

    private static final Map<Setting, String> NAMES = new EnumMap<>(Map.ofEntries(
            Map.entry(Setting.TARGET, "--target"),
            Map.entry(Setting.LAYERS, "--layers"),
            Map.entry(Setting.ALLOW_EMPTY_LAYERS, "--allow-empty-layers"),
            Map.entry(Setting.ALLOCATION, "--allocation"),
            Map.entry(Setting.RATES, "--rates"),
            Map.entry(Setting.ROUND_TO, "--round-to"),
            Map.entry(Setting.FUSION, "--fusion"),
            Map.entry(Setting.FUSION_STEPS, "--fusion-steps"),
            Map.entry(Setting.FUSION_LEARNING_RATE, "--fusion-lr"),
            Map.entry(Setting.FUSION_SAMPLES, "--fusion-samples"),
            Map.entry(Setting.FUSION_LENGTH, "--fusion-len"),
            Map.entry(Setting.FUSION_TEMPERATURE, "--fusion-temperature"),
            Map.entry(Setting.OPERATOR_URL, "--operator-url"),
            Map.entry(Setting.FITNESS_WINDOWS, "--fitness-windows"),
            Map.entry(Setting.FITNESS_LENGTH, "--fitness-len"),
            Map.entry(Setting.TOP_K, "--top-k"),
            Map.entry(Setting.JOBS, "--jobs"),
            Map.entry(Setting.POPULATION, "--population"),
            Map.entry(Setting.CROSSOVERS_AND_MUTATIONS, "--crossovers + --mutations"),
            Map.entry(Setting.GENERATIONS, "--generations"),
            Map.entry(Setting.STAGES, "--stages"),
            Map.entry(Setting.STAGE_KEEP, "--stage-keep"),
            Map.entry(Setting.PERPLEXITY_WINDOW, "--seq-len"),
            Map.entry(Setting.PROMPT, "--prompt")));

    /** The option's name (or names, joined); the setting in words if no option sets it. */
    static String of(Setting s) {
        return NAMES.getOrDefault(s, s.words());
    }
}
