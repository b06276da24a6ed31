package dev.lopper.model;

import java.util.Objects;

/**
 * The options of one pass through a {@link CausalLM}, each optional: group masks (soft or hard,
 * see {@link Masks}), a hook on the linear layers' inputs (forward passes only), and whether
 * backward keeps every layer's activations instead of recomputing them from the layer's input
 * (more memory, about a third less compute). Call sites say what they want through the
 * factories ({@code Pass.plain()}, {@code Pass.masked(m)}, {@code Pass.hooked(h)},
 * {@code .keepingActivations()}) and never pass {@code null}.
 */
public record Pass(Masks masks, ForwardHook hook, boolean keepActivations) {
    private static final Pass PLAIN = new Pass(null, null, false);

    /** No masks, no hook, activations recomputed in backward. */
    public static Pass plain() { return PLAIN; }

    /** Under group masks. */
    public static Pass masked(Masks masks) { return PLAIN.withMasks(masks); }

    /** With a hook on the linear layers' inputs. */
    public static Pass hooked(ForwardHook hook) { return PLAIN.withHook(hook); }

    public Pass withMasks(Masks m) { return new Pass(Objects.requireNonNull(m, "masks"), hook, keepActivations); }

    public Pass withHook(ForwardHook h) { return new Pass(masks, Objects.requireNonNull(h, "hook"), keepActivations); }

    /** Backward keeps every layer's activations from its forward. */
    public Pass keepingActivations() { return new Pass(masks, hook, true); }
}
