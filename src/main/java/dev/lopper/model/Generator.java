package dev.lopper.model;

import java.util.Arrays;
import java.util.function.IntConsumer;

/** Autoregressive generation with a KV cache. */
public final class Generator {
    private final CausalLM transformer;

    public Generator(CausalLM transformer) {
        this.transformer = transformer;
    }

    /** Timing of one generation: prompt processing and per-token decoding. */
    public record Result(int[] tokens, int promptTokens, long prefillNanos, long decodeNanos) {
        public double decodeTokensPerSecond() {
            int n = tokens.length - promptTokens;
            return n <= 1 ? 0 : (n - 1) / (decodeNanos / 1e9);
        }
    }

    /** {@link #generate(int[], int, Sampler, int, Pass, IntConsumer)} without masks or a per-token callback. */
    public Result generate(int[] prompt, int maxNew, Sampler sampler, int eosId) {
        return generate(prompt, maxNew, sampler, eosId, Pass.plain(), token -> {});
    }

    /**
     * Continues {@code prompt} by up to {@code maxNew} tokens, stopping at {@code eosId} (if
     * ≥ 0) or at the model's context length. Each new token is passed to {@code onToken}; the pass's
     * masks apply to every step.
     */
    public Result generate(int[] prompt, int maxNew, Sampler sampler, int eosId, Pass pass, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        int vocab = transformer.config().vocabSize();
        int capacity = Math.min(transformer.config().maxPositions(), prompt.length + maxNew);
        if (prompt.length >= transformer.config().maxPositions())
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens fills the model's context of "
                    + transformer.config().maxPositions());
        CausalLM.KvCache cache = transformer.newCache(capacity);
        int[] out = Arrays.copyOf(prompt, capacity);
        long t0 = System.nanoTime();
        float[] logits = transformer.forward(cache, prompt, false, pass);
        long t1 = System.nanoTime();
        int n = prompt.length;
        while (n < capacity) {
            int next = sampler.sample(logits, 0, vocab);
            out[n++] = next;
            onToken.accept(next);
            if (next == eosId || n == capacity) break;
            logits = transformer.forward(cache, new int[]{next}, false, pass);
        }
        long t2 = System.nanoTime();
        return new Result(Arrays.copyOf(out, n), prompt.length, t1 - t0, t2 - t1);
    }
}
