package dev.lopper;

import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    PROMPT,
    RIDGE, RANK, TRAINING_LENGTH, TEACHER, TRAINING_DATA, EVAL_DATA, ADAPTER, TARGET_MODULES, CHECKPOINT_DIR, MODEL, OUT,
    FORCE, RESUME, CALIB_WINDOWS, CALIB_LENGTH, DATA_FOLDER, TASK_DATA_FOLDER, MIN_RATE, MAX_RATE, MAX_FALLBACK_SHARE, TEMPERATURE,
    TIMEOUT, RETRIES, MAX_REQUESTS, MAX_NEW_TOKENS, FITNESS_BATCH, FITNESS_DATA, CLUSTER, JOIN, OPERATOR_MODEL,
    POSITION;

    /** The setting in words, for messages outside the CLI: {@code FUSION_STEPS} → "fusion steps". */
    public String words() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /**
     * This setting named inside a message's text ("lower " + TARGET.mention()): the CLI prints the
     * option ("lower --target"), {@link dev.lopper.BadInputException#getMessage()} the words ("lower target").
     */
    public String mention() {
        return MENTION_START + name() + MENTION_END;
    }

    private static final char MENTION_START = '\u0002', MENTION_END = '\u0003';
    private static final Pattern MENTION = Pattern.compile(MENTION_START + "([A-Z_]+)" + MENTION_END);

    /** {@code text} with each {@link #mention()} replaced by {@code name} of its setting. */
    public static String render(String text, Function<Setting, String> name) {
        if (text == null || text.indexOf(MENTION_START) < 0) return text;
        Matcher m = MENTION.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(name.apply(valueOf(m.group(1)))));
        return m.appendTail(out).toString();
    }
}
