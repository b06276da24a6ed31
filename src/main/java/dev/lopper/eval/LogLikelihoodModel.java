package dev.lopper.eval;

import dev.lopper.util.ProgressListener;
import java.util.List;

/**
 * What zero-shot evaluation needs from a language model; {@link CausalLMScorer} implements it
 * over a {@code CausalLM}.
 */
public interface LogLikelihoodModel {
    /**
     * Per request: sum of log p(continuation | context) and whether every continuation token is
     * the argmax. Results are in request order. Implementations may batch and reorder internally
     * and report progress in requests done.
     */
    List<LoglikResult> score(List<LoglikRequest> requests, ProgressListener progress);
}
