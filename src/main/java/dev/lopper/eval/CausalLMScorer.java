package dev.lopper.eval;

import dev.lopper.model.CausalLM;
import dev.lopper.model.Pass;
import dev.lopper.model.Sampler;
import dev.lopper.util.ProgressListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores log-likelihood requests with a {@link CausalLM} (under the pass's masks, if any).
 * Consecutive requests with the same context
 * (the choices of one example) share one forward pass over the context: its keys and values
 * stay in the KV cache and each continuation is appended to it, then cut off again. Contexts
 * longer than the model's window lose tokens from the left, as lm-evaluation-harness does.
 */
public final class CausalLMScorer implements LogLikelihoodModel {
    private final CausalLM model;
    private final Pass pass;

    public CausalLMScorer(CausalLM model, Pass pass) {
        this.model = model;
        this.pass = pass;
    }

    @Override
    public List<LoglikResult> score(List<LoglikRequest> requests, ProgressListener progress) {
        int window = model.config().maxPositions();
        int vocab = model.config().vocabSize();
        List<LoglikResult> out = new ArrayList<>(requests.size());
        CausalLM.KvCache cache = model.newCache(window);
        int[] cachedContext = null;
        float[] contextLogits = null;        // logits after the last context token: predict the first continuation token
        for (int i = 0; i < requests.size(); i++) {
            LoglikRequest r = requests.get(i);
            int[] cont = r.continuation();
            if (cont.length > window)
                throw new dev.lopper.BadInputException("a task continuation of " + cont.length
                        + " tokens is longer than the model's context of " + window + " tokens");
            int keep = Math.min(r.context().length, window - cont.length + 1);
            int[] ctx = Arrays.copyOfRange(r.context(), r.context().length - keep, r.context().length);
            if (cachedContext == null || !Arrays.equals(cachedContext, ctx)) {
                cache.truncate(0);
                contextLogits = model.forward(cache, ctx, false, pass);
                cachedContext = ctx;
            } else {
                cache.truncate(ctx.length);
            }
            double logLik = 0;
            boolean greedy = true;
            float[] restLogits = null;
            for (int j = 0; j < cont.length; j++) {
                float[] logits;
                int off;
                if (j == 0) {
                    logits = contextLogits;
                    off = 0;
                } else {
                    if (j == 1) {
                        // one pass over cont[0..n-2] gives the logits for cont[1..n-1]
                        restLogits = model.forward(cache, Arrays.copyOfRange(cont, 0, cont.length - 1), true, pass);
                    }
                    logits = restLogits;
                    off = (j - 1) * vocab;
                }
                logLik += logProb(logits, off, vocab, cont[j]);
                greedy &= Sampler.argmax(logits, off, vocab) == cont[j];
            }
            out.add(new LoglikResult(logLik, greedy));
            progress.update(i + 1, requests.size(), "requests");
        }
        return out;
    }

    /** log softmax(logits)[target] for one row, in double. */
    static double logProb(float[] logits, int off, int vocab, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + target] - max - Math.log(sum);
    }
}
