package dev.lopper.cli;

import dev.lopper.allocation.search.MaskedFitness;
import dev.lopper.allocation.search.SearchOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** The options of the per-layer rate search (lopper search, lopper prune --allocation search). */
final class SearchChoices {
    @Option(names = "--operator", defaultValue = "ga",
            description = "Genetic operator: ga (classic), llm (an OpenAI-compatible chat endpoint), self (the model itself). Default ${DEFAULT-VALUE}.")
    String operator;

    @Option(names = "--fitness", defaultValue = "ppl", description = "ppl (Self-Pruner) or kl (EvoPress: KL to the dense model). Default ${DEFAULT-VALUE}.")
    String fitness;

    @Option(names = "--fitness-data", paramLabel = "FILE|NAME",
            description = "Text for fitness windows (default: the calibration text, after the calibration region). Never a test split.")
    String fitnessData;

    @Option(names = "--fitness-windows", defaultValue = "8", description = "Fitness windows (default ${DEFAULT-VALUE}).")
    int fitnessWindows;

    @Option(names = "--fitness-len", defaultValue = "128", description = "Tokens per fitness window (default ${DEFAULT-VALUE}).")
    int fitnessLength;

    @Option(names = "--top-k", defaultValue = "512", description = "Dense probabilities kept per position for kl (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--stages", split = ",", paramLabel = "W1[,W2...]", hideParamSyntax = true,
            description = "Multi-stage selection: windows per stage, ascending, the last at most --fitness-windows (e.g. 2,8) (default: one stage, every child on all --fitness-windows).")
    int[] stages;

    @Option(names = "--stage-keep", defaultValue = "0.34", description = "Share of children passed to the next stage (default ${DEFAULT-VALUE}).")
    double stageKeep;

    @Option(names = "--population", defaultValue = "30", description = "Population size (default ${DEFAULT-VALUE}).")
    int population;

    @Option(names = "--crossovers", defaultValue = "10", description = "Crossovers per generation (default ${DEFAULT-VALUE}).")
    int crossovers;

    @Option(names = "--mutations", defaultValue = "10", description = "Mutations per generation (default ${DEFAULT-VALUE}).")
    int mutations;

    @Option(names = "--generations", defaultValue = "20", description = "Generations (default ${DEFAULT-VALUE}).")
    int generations;

    @Option(names = "--search-seed", defaultValue = "0", description = "Seed of the search (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--min-rate", defaultValue = "0", description = "Lowest per-layer rate (default ${DEFAULT-VALUE}).")
    double minRate;

    @Option(names = "--max-rate", defaultValue = "0.8", description = "Highest per-layer rate (default ${DEFAULT-VALUE}).")
    double maxRate;

    @Option(names = "--jobs", defaultValue = "1", description = "Candidates evaluated concurrently (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--fitness-batch", defaultValue = "4", description = "Windows per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--operator-url", paramLabel = "URL",
            description = "llm: base URL of an OpenAI-compatible API (e.g. http://localhost:8000/v1). The key is read from LOPPER_OPERATOR_API_KEY (no default: --operator llm needs it).")
    String url;

    @Option(names = "--operator-model", defaultValue = "gpt-4o", description = "llm: model name (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--temperature", defaultValue = "0.7", description = "llm/self: sampling temperature (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--timeout", defaultValue = "60", description = "llm: seconds per request (default ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--retries", defaultValue = "3", description = "llm: retries per request (429, 5xx, timeouts), honouring Retry-After (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--max-requests", defaultValue = "1000", description = "llm: HTTP requests allowed in the whole run, retries included (default ${DEFAULT-VALUE}).")
    int maxRequests;

    @Option(names = "--max-fallback-share", defaultValue = "0.5",
            description = "llm/self: stop (exit 2) once more than this share of the operator's steps got nothing usable and fell back to ga (judged after 4 steps) (default ${DEFAULT-VALUE}).")
    double maxFallbackShare;

    @Option(names = "--prompts", paramLabel = "DIR", description = "llm/self: folder with prompt templates overriding the built-in ones (same file names) (default: the built-in templates).")
    Path prompts;

    @Option(names = "--operator-model-dir", paramLabel = "DIR", description = "self: a local model folder to use as the operator (default: the model being pruned).")
    Path operatorModelDir;

    @Option(names = "--max-new-tokens", defaultValue = "512", description = "self: tokens generated per reply (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    /** The fitness text given as a path, the prompt templates and the operator's model are inputs. */
    dev.lopper.util.OutputPaths.Guard inputsTo(dev.lopper.util.OutputPaths.Guard guard) {
        return guard.inputNamed(fitnessData, "--fitness-data").input(prompts, "--prompts")
                .input(operatorModelDir, "--operator-model-dir");
    }

    SearchOptions options() {
        if (!(timeoutSeconds > 0) || Double.isInfinite(timeoutSeconds))
            throw new dev.lopper.BadInputException("--timeout must be more than 0 seconds, not " + timeoutSeconds);
        return new SearchOptions(operator, MaskedFitness.Kind.parse(fitness), fitnessData, fitnessWindows, fitnessLength,
                topK, stages, stageKeep, population, crossovers, mutations, generations, seed, minRate, maxRate, jobs,
                batch, new SearchOptions.Chat(url, model, temperature, Duration.ofMillis(Math.round(timeoutSeconds * 1000)),
                retries, maxRequests, prompts, operatorModelDir, maxNewTokens, maxFallbackShare));
    }
}
