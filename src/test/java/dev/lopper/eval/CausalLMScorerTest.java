package dev.lopper.eval;

import dev.lopper.model.Pass;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Sampler;
import dev.lopper.model.TestModels;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.DType;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cached scorer (context once, continuations appended to the KV cache) against the
 * definition computed from a full-sequence forward of context + continuation.
 */
class CausalLMScorerTest {
    @Test
    void cachedScoresEqualFullSequenceLogProbabilities() {
        LlamaModel m = TestModels.uneven(4, true, false, DType.F32);
        Transformer t = new Transformer(m);
        int vocab = m.config().vocabSize();
        int[] ctxA = TestModels.tokens(1, 9, vocab), ctxB = TestModels.tokens(2, 5, vocab);
        List<LoglikRequest> reqs = new ArrayList<>();
        // two examples whose choices share a context, as multiple-choice tasks produce
        for (int c = 0; c < 3; c++) reqs.add(new LoglikRequest(ctxA, TestModels.tokens(10 + c, 1 + 2 * c, vocab)));
        for (int c = 0; c < 2; c++) reqs.add(new LoglikRequest(ctxB, TestModels.tokens(20 + c, 3 + c, vocab)));
        List<LoglikResult> got = new CausalLMScorer(t, Pass.plain()).score(reqs, ProgressListener.NONE);

        for (int i = 0; i < reqs.size(); i++) {
            int[] ctx = reqs.get(i).context(), cont = reqs.get(i).continuation();
            int[] all = new int[ctx.length + cont.length];
            System.arraycopy(ctx, 0, all, 0, ctx.length);
            System.arraycopy(cont, 0, all, ctx.length, cont.length);
            float[] logits = t.logits(all, 1, all.length, Pass.plain());
            double want = 0;
            boolean greedy = true;
            for (int j = 0; j < cont.length; j++) {
                int row = ctx.length - 1 + j;
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int v = 0; v < vocab; v++) max = Math.max(max, logits[row * vocab + v]);
                for (int v = 0; v < vocab; v++) sum += Math.exp(logits[row * vocab + v] - max);
                want += logits[row * vocab + cont[j]] - max - Math.log(sum);
                greedy &= Sampler.argmax(logits, row * vocab, vocab) == cont[j];
            }
            assertEquals(want, got.get(i).logLikelihood(), 1e-4, "request " + i);
            assertEquals(greedy, got.get(i).greedy(), "request " + i);
        }
    }

    @Test
    void longContextsLoseTokensFromTheLeft() {
        LlamaModel m = TestModels.uneven(5, false, false, DType.F32);   // context of 64 positions
        Transformer t = new Transformer(m);
        int[] ctx = TestModels.tokens(3, 100, m.config().vocabSize());
        int[] cont = TestModels.tokens(4, 4, m.config().vocabSize());
        int[] kept = java.util.Arrays.copyOfRange(ctx, 100 - 61, 100);    // 61 + 4 − 1 = 64 positions
        double full = new CausalLMScorer(t, Pass.plain()).score(List.of(new LoglikRequest(ctx, cont)), ProgressListener.NONE)
                .get(0).logLikelihood();
        double cut = new CausalLMScorer(t, Pass.plain()).score(List.of(new LoglikRequest(kept, cont)), ProgressListener.NONE)
                .get(0).logLikelihood();
        assertEquals(cut, full, 1e-9);
    }
}
