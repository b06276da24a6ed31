package dev.lopper.cli;

import dev.lopper.allocation.search.MaskedFitness;
import dev.lopper.allocation.search.OperatorKind;
import dev.lopper.allocation.search.SearchOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The per-layer rate search's options, an argument group of {@code lopper search} and of {@code
 * lopper prune} (for {@code --allocation search}).
 */
final class SearchChoices {
    /** One field for both commands: picocli's annotation processor gives a group class one use. */
    @ArgGroup(validate = false, heading = "%nSearch (lopper search, lopper prune --allocation search):%n", order = 5)
    Options group = new Options();

    /** The fitness text given as a path, the prompt templates and the operator's model are inputs. */
    dev.lopper.util.OutputPaths.Guard inputsTo(dev.lopper.util.OutputPaths.Guard guard) {
        return guard.inputNamed(group.fitnessData, "--fitness-data").input(group.prompts, "--prompts")
                .input(group.operatorModelDir, "--operator-model-dir");
    }

    SearchOptions options() {
        return group.options();
    }

    /** The options of the per-layer rate search (lopper search, lopper prune --allocation search): an argument group of both. */
    static final class Options {
        @Option(names = "--operator", defaultValue = "ga", paramLabel = "NAME",
                description = "Genetic operator: ga (classic), llm (an OpenAI-compatible chat endpoint) or self (the model itself) (default ${DEFAULT-VALUE}).")
        OperatorKind operator;

        @Option(names = "--fitness", defaultValue = "ppl", paramLabel = "NAME",
                description = "ppl (Self-Pruner) or kl (EvoPress: KL to the dense model) (default ${DEFAULT-VALUE}).")
        MaskedFitness.Kind fitness;

        @Option(names = "--fitness-data", paramLabel = "FILE|NAME",
                description = "Text for fitness windows (default: the calibration text, after the calibration region). Never a test split.")
        String fitnessData;

        @Option(names = "--fitness-windows", paramLabel = "N", defaultValue = "8", description = "Fitness windows (default ${DEFAULT-VALUE}).")
        int fitnessWindows;

        @Option(names = "--fitness-len", paramLabel = "N", defaultValue = "128", description = "Tokens per fitness window (default ${DEFAULT-VALUE}).")
        int fitnessLength;

        @Option(names = "--top-k", paramLabel = "N", defaultValue = "512", description = "Dense probabilities kept per position for kl (default ${DEFAULT-VALUE}).")
        int topK;

        @Option(names = "--stages", split = ",", paramLabel = "W1[,W2...]", hideParamSyntax = true,
                description = "Multi-stage selection: windows per stage, ascending, the last at most --fitness-windows (e.g. 2,8) (default: one stage, every child on all --fitness-windows).")
        int[] stages;

        @Option(names = "--stage-keep", paramLabel = "SHARE", defaultValue = "0.34", description = "Share of children passed to the next stage (default ${DEFAULT-VALUE}).")
        double stageKeep;

        @Option(names = "--population", paramLabel = "N", defaultValue = "30", description = "Population size (default ${DEFAULT-VALUE}).")
        int population;

        @Option(names = "--crossovers", paramLabel = "N", defaultValue = "10", description = "Crossovers per generation (default ${DEFAULT-VALUE}).")
        int crossovers;

        @Option(names = "--mutations", paramLabel = "N", defaultValue = "10", description = "Mutations per generation (default ${DEFAULT-VALUE}).")
        int mutations;

        @Option(names = "--generations", paramLabel = "N", defaultValue = "20", description = "Generations (default ${DEFAULT-VALUE}).")
        int generations;

        @Option(names = "--search-seed", paramLabel = "N", defaultValue = "0", description = "Seed of the search (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--min-rate", paramLabel = "RATE", defaultValue = "0", description = "Lowest per-layer rate (default ${DEFAULT-VALUE}).")
        double minRate;

        @Option(names = "--max-rate", paramLabel = "RATE", defaultValue = "0.8", description = "Highest per-layer rate (default ${DEFAULT-VALUE}).")
        double maxRate;

        @Option(names = "--jobs", paramLabel = "N", defaultValue = "1", description = "Candidates evaluated concurrently (default ${DEFAULT-VALUE}).")
        int jobs;

        @Option(names = "--fitness-batch", paramLabel = "N", defaultValue = "4", description = "Windows per forward pass (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--operator-url", paramLabel = "URL",
                description = "llm: base URL of an OpenAI-compatible API (e.g. http://localhost:8000/v1). The key is read from LOPPER_OPERATOR_API_KEY (no default: --operator llm needs it).")
        String url;

        @Option(names = "--operator-model", paramLabel = "NAME", defaultValue = "gpt-4o", description = "llm: model name (default ${DEFAULT-VALUE}).")
        String model;

        @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.7", description = "llm/self: sampling temperature (default ${DEFAULT-VALUE}).")
        double temperature;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "llm: seconds per request (default ${DEFAULT-VALUE}).")
        double timeoutSeconds;

        @Option(names = "--retries", paramLabel = "N", defaultValue = "3", description = "llm: retries per request (429, 5xx, timeouts), honouring Retry-After (default ${DEFAULT-VALUE}).")
        int retries;

        @Option(names = "--max-requests", paramLabel = "N", defaultValue = "1000", description = "llm: HTTP requests allowed in the whole run, retries included (default ${DEFAULT-VALUE}).")
        int maxRequests;

        @Option(names = "--max-fallback-share", paramLabel = "SHARE", defaultValue = "0.5",
                description = "llm/self: stop (exit 2) once more than this share of the operator's steps got nothing usable and fell back to ga (judged after 4 steps) (default ${DEFAULT-VALUE}).")
        double maxFallbackShare;

        @Option(names = "--prompts", paramLabel = "DIR", description = "llm/self: folder with prompt templates overriding the built-in ones (same file names) (default: the built-in templates).")
        Path prompts;

        @Option(names = "--operator-model-dir", paramLabel = "DIR", description = "self: a local model folder to use as the operator (default: the model being pruned).")
        Path operatorModelDir;

        @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512", description = "self: tokens generated per reply (default ${DEFAULT-VALUE}).")
        int maxNewTokens;

        SearchOptions options() {
            if (!(timeoutSeconds > 0) || Double.isInfinite(timeoutSeconds))
                throw new dev.lopper.BadInputException("--timeout must be more than 0 seconds, not " + timeoutSeconds);
            return SearchOptions.builder().operator(operator).fitness(fitness).fitnessData(fitnessData)
                    .fitnessWindows(fitnessWindows).fitnessLength(fitnessLength).topK(topK).stages(stages)
                    .stageKeep(stageKeep).population(population).crossovers(crossovers).mutations(mutations)
                    .generations(generations).seed(seed).rates(minRate, maxRate).jobs(jobs).batch(batch).url(url)
                    .model(model).temperature(temperature).timeout(Duration.ofMillis(Math.round(timeoutSeconds * 1000)))
                    .retries(retries).maxRequests(maxRequests).prompts(prompts).operatorModelDir(operatorModelDir)
                    .maxNewTokens(maxNewTokens).maxFallbackShare(maxFallbackShare).build();
        }
    }
}
