package dev.lopper.allocation.search;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything that decides a search. Defaults follow Self-Pruner where it says (population 30,
 * 10 crossovers and 10 mutations per generation, 20 generations, Wanda-sp scores) and Lopper's
 * design elsewhere.
 *
 * @param operator        the genetic operator
 * @param fitness         ppl or kl
 * @param fitnessData     corpus name or file for the fitness windows (default: the calibration text)
 * @param fitnessWindows  windows of {@code fitnessLength} tokens, consecutive from the start of the text
 * @param topK            dense probabilities kept per position for kl
 * @param stages          windows per selection stage, ascending; null = one stage of all windows
 * @param jobs            candidates evaluated concurrently
 * @param batch           windows per forward pass
 */
public record SearchOptions(OperatorKind operator, MaskedFitness.Kind fitness, String fitnessData, int fitnessWindows,
                            int fitnessLength, int topK, int[] stages, double stageKeep, int population,
                            int crossovers, int mutations, int generations, long seed, double minRate, double maxRate,
                            int jobs, int batch, Chat chat) {

    /** Settings of the chat operators ({@code llm} and {@code self}). */
    public record Chat(String url, String model, double temperature, Duration timeout, int retries,
                       int maxRequests, Path prompts, Path operatorModelDir, int maxNewTokens, double maxFallbackShare) {
        /** Default --max-fallback-share: stop when more than half the operator's steps got nothing usable. */
        public static final double DEFAULT_MAX_FALLBACK_SHARE = 0.5;

        public Chat {
            if (!(maxFallbackShare >= 0 && maxFallbackShare <= 1))
                throw new BadSettingException(Setting.MAX_FALLBACK_SHARE, "must be in [0, 1], not " + maxFallbackShare);
            if (!(temperature >= 0) || Double.isInfinite(temperature))
                throw new BadSettingException(Setting.TEMPERATURE, "must be a number >= 0, not " + temperature);
            if (timeout == null || timeout.isZero() || timeout.isNegative())
                throw new BadSettingException(Setting.TIMEOUT, "must be more than 0 seconds");
            if (retries < 0) throw new BadSettingException(Setting.RETRIES, "must be >= 0, not " + retries);
            if (maxRequests < 1) throw new BadSettingException(Setting.MAX_REQUESTS, "must be at least 1, not " + maxRequests);
            if (maxNewTokens < 1) throw new BadSettingException(Setting.MAX_NEW_TOKENS, "must be at least 1, not " + maxNewTokens);
        }
    }

    public static SearchOptions defaults() {
        return builder().build();
    }

    /** A builder holding the defaults, to set the rest by name. */
    public static Builder builder() {
        return new Builder();
    }

    /** Search options set by name; the defaults are Self-Pruner's where it says, Lopper's elsewhere. */
    public static final class Builder {
        private OperatorKind operator = OperatorKind.GA;
        private MaskedFitness.Kind fitness = MaskedFitness.Kind.PPL;
        private String fitnessData;
        private int fitnessWindows = 8;
        private int fitnessLength = 128;
        private int topK = 512;
        private int[] stages;
        private double stageKeep = 0.34;
        private int population = 30;
        private int crossovers = 10;
        private int mutations = 10;
        private int generations = 20;
        private long seed;
        private double minRate = 0.0;
        private double maxRate = 0.8;
        private int jobs = 1;
        private int batch = 4;
        private String url;
        private String model = "gpt-4o";
        private double temperature = 0.7;
        private Duration timeout = Duration.ofSeconds(60);
        private int retries = 3;
        private int maxRequests = 1000;
        private Path prompts;
        private Path operatorModelDir;
        private int maxNewTokens = 512;
        private double maxFallbackShare = Chat.DEFAULT_MAX_FALLBACK_SHARE;

        private Builder() {}

        public Builder operator(OperatorKind o) { operator = o; return this; }

        public Builder fitness(MaskedFitness.Kind k) { fitness = k; return this; }

        /** A corpus name or a file (null: the calibration text). */
        public Builder fitnessData(String d) { fitnessData = d; return this; }

        public Builder fitnessWindows(int n) { fitnessWindows = n; return this; }

        public Builder fitnessLength(int tokens) { fitnessLength = tokens; return this; }

        public Builder topK(int k) { topK = k; return this; }

        /** Windows per selection stage, ascending (null: one stage of all windows). */
        public Builder stages(int[] windows) { stages = windows == null ? null : windows.clone(); return this; }

        public Builder stageKeep(double share) { stageKeep = share; return this; }

        public Builder population(int n) { population = n; return this; }

        public Builder crossovers(int n) { crossovers = n; return this; }

        public Builder mutations(int n) { mutations = n; return this; }

        public Builder generations(int n) { generations = n; return this; }

        public Builder seed(long s) { seed = s; return this; }

        public Builder rates(double min, double max) { minRate = min; maxRate = max; return this; }

        public Builder jobs(int n) { jobs = n; return this; }

        public Builder batch(int windows) { batch = windows; return this; }

        /** llm: the OpenAI-compatible base URL. */
        public Builder url(String u) { url = u; return this; }

        /** llm: the model name. */
        public Builder model(String m) { model = m; return this; }

        public Builder temperature(double t) { temperature = t; return this; }

        public Builder timeout(Duration d) { timeout = d; return this; }

        public Builder retries(int n) { retries = n; return this; }

        public Builder maxRequests(int n) { maxRequests = n; return this; }

        public Builder prompts(Path dir) { prompts = dir; return this; }

        public Builder operatorModelDir(Path dir) { operatorModelDir = dir; return this; }

        public Builder maxNewTokens(int n) { maxNewTokens = n; return this; }

        /** llm/self: the share of steps that may fall back to ga before the run stops. */
        public Builder maxFallbackShare(double share) { maxFallbackShare = share; return this; }

        public SearchOptions build() {
            return new SearchOptions(operator, fitness, fitnessData, fitnessWindows, fitnessLength, topK, stages,
                    stageKeep, population, crossovers, mutations, generations, seed, minRate, maxRate, jobs, batch,
                    new Chat(url, model, temperature, timeout, retries, maxRequests, prompts, operatorModelDir,
                            maxNewTokens, maxFallbackShare));
        }
    }

    public SearchOptions {
        java.util.Objects.requireNonNull(operator, "operator");
        if (fitnessWindows < 1) throw new BadSettingException(Setting.FITNESS_WINDOWS, "must be at least 1");
        if (fitnessLength < 2) throw new BadSettingException(Setting.FITNESS_LENGTH, "must be at least 2");
        if (topK < 1) throw new BadSettingException(Setting.TOP_K, "must be at least 1");
        if (jobs < 1) throw new BadSettingException(Setting.JOBS, "must be at least 1");
        if (batch < 1) throw new BadSettingException(Setting.FITNESS_BATCH, "must be at least 1");
        if (!(minRate >= 0 && minRate <= maxRate && maxRate < 1))
            throw new BadSettingException(Setting.MIN_RATE, minRate + " and " + Setting.MAX_RATE.mention() + " " + maxRate
                    + " must satisfy 0 <= min <= max < 1");
        // Every option is checked here, before a run folder is made (not when the evolution starts).
        Evolution.Settings checked = new Evolution.Settings(population, crossovers, mutations, generations, seed,
                stages == null || stages.length == 0 ? new int[]{fitnessWindows} : stages, stageKeep);
        if (checked.fullWindows() > fitnessWindows)
            throw new BadSettingException(Setting.STAGES, "asks for " + checked.fullWindows() + " windows in its last stage, "
                    + "more than " + Setting.FITNESS_WINDOWS.mention() + " " + fitnessWindows);
        if (operator == OperatorKind.LLM && (chat.url() == null || chat.url().isBlank()))
            throw new BadSettingException(Setting.OPERATOR_URL, "is needed by the llm operator (an OpenAI-compatible base URL, e.g. "
                    + "http://localhost:8000/v1)");
    }

    /** The stage windows, defaulting to one stage of all fitness windows. */
    public int[] stageWindows() {
        return stages == null || stages.length == 0 ? new int[]{fitnessWindows} : stages.clone();
    }

    public Evolution.Settings evolution() {
        return new Evolution.Settings(population, crossovers, mutations, generations, seed, stageWindows(), stageKeep);
    }
}
