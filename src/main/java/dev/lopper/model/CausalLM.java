package dev.lopper.model;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * What calibration, pruning and evaluation need of a causal language model, whatever its family
 * and implementation: the config; logits, last-token logits (prefill) and the next-token loss
 * of a batch; forward + backward with weight gradients streamed to a sink; and incremental
 * decoding over a KV cache. A batch is {@code seqs} sequences of {@code len} tokens, row-major;
 * {@link Pass} carries masks, hook and activation keeping. {@link #of} makes the one
 * implementation, {@link Transformer}, which runs every family.
 */
public interface CausalLM {
    /** The implementation for a loaded model (the one place stage code constructs it). */
    static CausalLM of(LlamaModel model) {
        return new Transformer(model);
    }

    ModelConfig config();

    /** Logits [seqs·len, vocab] (for tests and small inputs; evaluation streams through {@link #loss}). */
    float[] logits(int[] tokens, int seqs, int len, Pass pass);

    /**
     * Forward through the first {@code layers} layers only, for the pass's hook (what a layer-by-layer
     * stage such as reconstruction needs of layer {@code layers−1}); no logits.
     */
    void observe(int[] tokens, int seqs, int len, int layers, Pass pass);

    /** Prompt processing: the logits of each sequence's last token, [seqs, vocab]. */
    float[] prefill(int[] tokens, int seqs, int len, Pass pass);

    /** Forward only: the summed next-token NLL of the batch. */
    Loss loss(int[] tokens, int seqs, int len, Pass pass);

    /**
     * Forward only: the summed next-token NLL of the first {@code windows} windows of {@code len}
     * tokens, each window scored alone, {@code batch} windows per pass, in order (so the sums are
     * the same bits whatever calls it). The one loop behind perplexity ({@code eval/Perplexity}),
     * the search's ppl fitness, HyWIA's hard-mask check and LoRA's progress evaluations;
     * {@code scored} hears how many windows are done after each pass.
     */
    default Loss loss(Windows text, int windows, int len, int batch, Pass pass, IntConsumer scored) {
        double nll = 0;
        long predicted = 0;
        for (int w = 0; w < windows; w += batch) {
            int b = Math.min(batch, windows - w);
            Loss loss = loss(text.batch(w, b), b, len, pass);
            nll += loss.sumNll();
            predicted += loss.predicted();
            scored.accept(w + b);
        }
        return new Loss(nll, predicted);
    }

    /** Windows of token ids: {@code count} of them from window {@code first}, row-major [count, len]. */
    @FunctionalInterface
    interface Windows {
        int[] batch(int first, int count);

        /** The consecutive windows of {@code len} tokens of one token stream (the remainder unused). */
        static Windows consecutive(int[] ids, int len) {
            return (first, count) -> Arrays.copyOfRange(ids, first * len, (first + count) * len);
        }
    }

    /**
     * Forward and backward of the mean next-token NLL: each wanted weight gradient goes to
     * {@code sink} as soon as it is complete; mask gradients are added into the pass's masks
     * when they track them. The pass may not carry a hook.
     */
    Loss backward(int[] tokens, int seqs, int len, Pass pass, GradientSink sink);

    /**
     * As {@link #backward(int[], int, int, Pass, GradientSink)} for another {@link Objective}
     * (token weights, distillation); the loss returned is Σ w_r·term_r over Σ w_r (as a
     * {@link Loss}: sumNll holds the numerator, predicted rounds the denominator).
     */
    Loss backward(int[] tokens, int seqs, int len, Pass pass, GradientSink sink, Objective objective);

    /**
     * The hidden states entering layer {@code layers} ([seqs·len, hidden], unmasked): where
     * {@link #lossEach} and {@link #maskBackwardEach} start when nothing below that layer
     * changes between calls (HyWIA's fusion masks no layer below its first scored one).
     */
    float[] prefix(int[] tokens, int seqs, int len, int layers);

    /**
     * Several batches under their own masks, forward only, layer by layer: layer l runs for every
     * batch before layer l + 1, so each layer's weights are read once per call, not once per
     * batch (a model larger than memory is streamed once). Batch b (sequences of {@code len}
     * tokens) starts at layer {@code from} from {@code starts[b]} ({@link #prefix}; the masks of
     * layers below {@code from} must be all ones). Each loss has the same bits as
     * {@link #loss} of that batch alone.
     */
    Loss[] lossEach(int[][] tokens, int len, Masks[] masks, int from, float[][] starts);

    /**
     * As {@link #lossEach}, with the backward: ∂(batch b's mean NLL)/∂mask is added into
     * {@code masks[b]} for layers {@code from} and up (the same bits as {@link #backward} of
     * batch b alone with no weight gradient); each layer's weights are read twice per call
     * (forward, then backward). The activations of the top layers are kept from the forward
     * while they fit in {@code keepBytes}; each other layer's are recomputed from its input
     * (~⅓ more arithmetic), so it holds every batch's input to those layers and one batch's
     * activations of one layer. The bits do not depend on {@code keepBytes}.
     */
    Loss[] maskBackwardEach(int[][] tokens, int len, Masks[] masks, int from, float[][] starts, long keepBytes);

    /** An empty cache for one sequence of up to {@code capacity} tokens. */
    KvCache newCache(int capacity);

    /**
     * Appends tokens to the cached sequence and returns logits: [n, vocab] for every new token
     * when {@code allRows}, else [vocab] for the last one.
     */
    float[] forward(KvCache cache, int[] tokens, boolean allRows, Pass pass);

    /** Sum of next-token NLL and number of predicted tokens. */
    record Loss(double sumNll, long predicted) {
        public double mean() { return sumNll / predicted; }
    }

    /** Keys and values of past positions of one sequence, made by {@link #newCache}. */
    interface KvCache {
        int length();

        int capacity();

        /** Forgets positions from {@code newLength} on (to score another continuation of a shared context). */
        void truncate(int newLength);
    }
}
