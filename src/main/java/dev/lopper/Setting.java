package dev.lopper;

import java.util.Locale;

/**
 * A setting a user chose that an error can be about. Stages below the CLI name the setting they
 * refuse by this key ({@link BadSettingException}), never by an option's spelling; the CLI maps
 * each key to its option ({@code cli/OptionNames}), so option names live in {@code cli} only.
 */
public enum Setting {
    TARGET, LAYERS, ALLOW_EMPTY_LAYERS, ALLOCATION, RATES, ROUND_TO,
    FUSION, FUSION_STEPS, FUSION_LEARNING_RATE, FUSION_SAMPLES, FUSION_LENGTH, FUSION_TEMPERATURE,
    OPERATOR_URL, FITNESS_WINDOWS, FITNESS_LENGTH, TOP_K, JOBS, POPULATION, CROSSOVERS_AND_MUTATIONS, GENERATIONS,
    STAGES, STAGE_KEEP, PERPLEXITY_WINDOW,
    PROMPT;

    /** The setting in words, for messages outside the CLI: {@code FUSION_STEPS} → "fusion steps". */
    public String words() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
