package dev.lopper.model;

/**
 * What calibration and perplexity need of a model, whatever its family and implementation: the
 * config, the forward loss (with hooks on the linear layers' inputs) and forward + backward with
 * gradients streamed to a sink. {@link Transformer} implements it for every family.
 */
public interface CausalLM {
    ModelConfig config();

    /** Forward only: the summed next-token NLL of {@code seqs} sequences of {@code len} tokens. */
    Transformer.Loss loss(int[] tokens, int seqs, int len, Masks masks, ForwardHook hook);

    /** Forward and backward of the mean next-token NLL; weight gradients go to {@code sink}. */
    Transformer.Loss backward(int[] tokens, int seqs, int len, Masks masks, GradientSink sink, boolean keepActivations);
}
