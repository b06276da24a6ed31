package dev.lopper.allocation.search;

import dev.lopper.BadInputException;

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
                       int maxRequests, Path prompts, Path operatorModelDir, int maxNewTokens) {
        public static Chat defaults() {
            return new Chat(null, "gpt-4o", 0.7, Duration.ofSeconds(60), 3, 1000, null, null, 512);
        }
    }

    public static SearchOptions defaults() {
        return new SearchOptions(OperatorKind.GA, MaskedFitness.Kind.PPL, null, 8, 128, 512, null, 0.34, 30, 10, 10, 20, 0, 0.0,
                0.8, 1, 4, Chat.defaults());
    }

    public SearchOptions {
        java.util.Objects.requireNonNull(operator, "operator");
        if (fitnessWindows < 1) throw new BadInputException("--fitness-windows must be at least 1");
        if (fitnessLength < 2) throw new BadInputException("--fitness-len must be at least 2");
        if (topK < 1) throw new BadInputException("--top-k must be at least 1");
        if (jobs < 1) throw new BadInputException("--jobs must be at least 1");
        if (operator == OperatorKind.LLM && (chat.url() == null || chat.url().isBlank()))
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
