package dev.lopper.eval;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.model.Pass;
import dev.lopper.BadInputException;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.CausalLM;
import dev.lopper.util.ProgressListener;

/**
 * Perplexity as GPTQ / LLM-Pruner / Wanda measure it: tokenize the whole text once (BOS
 * prepended), cut it into ⌊n/seq⌋ non-overlapping windows (the remainder is dropped), score
 * each window alone; ppl = exp(mean NLL over the predicted tokens, i.e. all but each window's
 * first).
 */
public final class Perplexity {
    private Perplexity() {}

    /** @param availableWindows the windows the whole text has; {@code windows} of them, the first, were scored */
    public record Result(String dataset, String file, String protocol, int seq, int windows, int availableWindows,
                         long predictedTokens, double meanNll, double ppl, double seconds, double tokensPerSecond) {
        /** The row a report shows. */
        public PerplexityRow row() {
            return new PerplexityRow(dataset, seq, ppl, windows, availableWindows);
        }
    }

    public static int[] tokenize(Tokenizer tok, TextCorpus corpus) {
        int[] ids = tok.encode(corpus.text(), true);
        if (ids.length == 0) throw new BadInputException(corpus.file(), "the text has no tokens");
        return ids;
    }

    /**
     * @param maxWindows evaluate only the first windows (0 = all); the result says how many
     * @param batch      windows per forward pass
     */
    public static Result evaluate(CausalLM t, Tokenizer tok, TextCorpus corpus, int seq, int maxWindows, int batch,
                                  Pass pass, ProgressListener progress) {
        return evaluate(t, tokenize(tok, corpus), corpus, seq, maxWindows, batch, pass, progress);
    }

    public static Result evaluate(CausalLM t, int[] ids, TextCorpus corpus, int seq, int maxWindows, int batch,
                                  Pass pass, ProgressListener progress) {
        int context = t.config().maxPositions();
        if (seq < 2) throw new BadSettingException(Setting.PERPLEXITY_WINDOW, "must be at least 2, got " + seq);
        if (seq > context)
            throw new BadSettingException(Setting.PERPLEXITY_WINDOW, seq + " is longer than the model's context of " + context + " tokens");
        int windows = ids.length / seq;
        if (windows == 0)
            throw new BadInputException(corpus.file(), "the text has " + ids.length
                    + " tokens, fewer than one window of " + seq);
        int available = windows;
        if (maxWindows > 0) windows = Math.min(windows, maxWindows);
        long start = System.nanoTime();
        int scored = windows;
        CausalLM.Loss loss = t.loss(CausalLM.Windows.consecutive(ids, seq), windows, seq, batch, pass,
                w -> progress.update(w, scored, "windows"));
        double seconds = (System.nanoTime() - start) / 1e9;
        double mean = loss.mean();
        return new Result(corpus.name(), corpus.file().toString(), corpus.protocol(), seq, windows, available,
                loss.predicted(), mean,
                Math.exp(mean), seconds, (double) windows * seq / seconds);
    }
}
