/**
 * Search of per-layer pruning rates: Self-Pruner's evolutionary search in <em>Lopper's design</em>
 * (the paper's prompts, constraint handling and code are not public), with EvoPress's KL fitness,
 * multi-stage selection and budget-preserving mutation.
 *
 * <pre>{@code
 * SearchSpace space = new SearchSpace(config, target, 0.0, 0.8);        // genome + exact budget repair
 * MaskedFitness fitness = new MaskedFitness(dense, scores, windows, Kind.KL, 512, 4, 1);
 * Evolution.Result r = new Evolution(space, fitness, new GaOperator(), settings, runFolder,
 *         seeds, counters, progress).run();                              // checkpointed, resumable
 * double[] rates = r.best().rates();                                     // what --allocation file reads
 * }</pre>
 *
 * {@link dev.lopper.allocation.search.SearchJob} runs one search end to end (run folder, PNGs);
 * operators: {@link dev.lopper.allocation.search.GaOperator} and
 * {@link dev.lopper.allocation.search.PromptedOperator} over a
 * {@link dev.lopper.allocation.search.ChatBackend} ({@code llm}: {@link dev.lopper.allocation.search.OpenAiChat},
 * {@code self}: {@link dev.lopper.allocation.search.SelfChat}).
 */
package dev.lopper.allocation.search;
