package dev.lopper.allocation.search;

import dev.lopper.BadInputException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Everything that decides a search. Defaults follow Self-Pruner where it says (population 30,
 * 10 crossovers and 10 mutations per generation, 20 generations, Wanda-sp scores) and Lopper's
 * design elsewhere.
 *
 * @param operator        ga, llm or self
 * @param fitness         ppl or kl
 * @param fitnessData     corpus name or file for the fitness windows (default: the calibration text)
 * @param fitnessWindows  windows of {@code fitnessLength} tokens, consecutive from the start of the text
 * @param topK            dense probabilities kept per position for kl
 * @param stages          windows per selection stage, ascending; null = one stage of all windows
 * @param jobs            candidates evaluated concurrently
 * @param batch           windows per forward pass
 */
public record SearchOptions(String operator, MaskedFitness.Kind fitness, String fitnessData, int fitnessWindows,
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
                throw new BadInputException("--max-fallback-share must be in [0, 1], not " + maxFallbackShare);
            if (!(temperature >= 0) || Double.isInfinite(temperature))
                throw new BadInputException("--temperature must be a number >= 0, not " + temperature);
            if (timeout == null || timeout.isZero() || timeout.isNegative())
                throw new BadInputException("--timeout must be more than 0 seconds");
            if (retries < 0) throw new BadInputException("--retries must be >= 0, not " + retries);
            if (maxRequests < 1) throw new BadInputException("--max-requests must be at least 1, not " + maxRequests);
            if (maxNewTokens < 1) throw new BadInputException("--max-new-tokens must be at least 1, not " + maxNewTokens);
        }

        public static Chat defaults() {
            return new Chat(null, "gpt-4o", 0.7, Duration.ofSeconds(60), 3, 1000, null, null, 512,
                    DEFAULT_MAX_FALLBACK_SHARE);
        }
    }

    public static SearchOptions defaults() {
        return new SearchOptions("ga", MaskedFitness.Kind.PPL, null, 8, 128, 512, null, 0.34, 30, 10, 10, 20, 0, 0.0,
                0.8, 1, 4, Chat.defaults());
    }

    public SearchOptions {
        operator = operator.toLowerCase(Locale.ROOT);
        if (!operator.equals("ga") && !operator.equals("llm") && !operator.equals("self"))
            throw new BadInputException("--operator must be ga, llm or self, not '" + operator + "'");
        if (fitnessWindows < 1) throw new BadInputException("--fitness-windows must be at least 1");
        if (fitnessLength < 2) throw new BadInputException("--fitness-len must be at least 2");
        if (topK < 1) throw new BadInputException("--top-k must be at least 1");
        if (jobs < 1) throw new BadInputException("--jobs must be at least 1");
        if (batch < 1) throw new BadInputException("--fitness-batch must be at least 1");
        if (!(minRate >= 0 && minRate <= maxRate && maxRate < 1))
            throw new BadInputException("--min-rate " + minRate + " and --max-rate " + maxRate
                    + " must satisfy 0 <= min <= max < 1");
        // Every option is checked here, before a run folder is made (not when the evolution starts).
        Evolution.Settings checked = new Evolution.Settings(population, crossovers, mutations, generations, seed,
                stages == null || stages.length == 0 ? new int[]{fitnessWindows} : stages, stageKeep);
        if (checked.fullWindows() > fitnessWindows)
            throw new BadInputException("--stages asks for " + checked.fullWindows() + " windows in its last stage, "
                    + "more than --fitness-windows " + fitnessWindows);
        if (operator.equals("llm") && (chat.url() == null || chat.url().isBlank()))
            throw new BadInputException("--operator llm needs --operator-url (an OpenAI-compatible base URL, e.g. "
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
