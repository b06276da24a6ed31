package dev.lopper.eval;

import dev.lopper.util.ProgressListener;
import java.util.List;

/** What zero-shot evaluation needs from a language model; the LLaMA forward pass implements it. */
public interface LogLikelihoodModel {
    /**
     * Per request: sum of log p(continuation | context) and whether every continuation token is
     * the argmax. Results are in request order. Implementations may batch and reorder internally
     * and report progress in requests done.
     */
    List<LoglikResult> score(List<LoglikRequest> requests, ProgressListener progress);
}
