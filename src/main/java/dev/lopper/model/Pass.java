package dev.lopper.model;

import java.util.Objects;

/**
 * The options of one pass through a {@link CausalLM}, each optional: group masks (soft or hard,
 * see {@link Masks}), a hook on the linear layers' inputs (forward passes only), whether
 * backward keeps every layer's activations instead of recomputing them from the layer's input
 * (more memory, about a third less compute), and low-rank adapters on the projections
 * ({@link Adapters}; backward then adds their gradients into them). Call sites say what they
 * want through the factories ({@code Pass.plain()}, {@code Pass.masked(m)}, {@code Pass.hooked(h)},
 * {@code .keepingActivations()}, {@code .withAdapters(a)}) and never pass {@code null}.
 */
public record Pass(Masks masks, ForwardHook hook, boolean keepActivations, Adapters adapters) {
    private static final Pass PLAIN = new Pass(null, null, false, null);

    /** Without adapters. */
    public Pass(Masks masks, ForwardHook hook, boolean keepActivations) {
        this(masks, hook, keepActivations, null);
    }

    /** No masks, no hook, activations recomputed in backward. */
    public static Pass plain() { return PLAIN; }

    /** Under group masks. */
    public static Pass masked(Masks masks) { return PLAIN.withMasks(masks); }

    /** With a hook on the linear layers' inputs. */
    public static Pass hooked(ForwardHook hook) { return PLAIN.withHook(hook); }

    public Pass withMasks(Masks m) { return new Pass(Objects.requireNonNull(m, "masks"), hook, keepActivations, adapters); }

    public Pass withHook(ForwardHook h) { return new Pass(masks, Objects.requireNonNull(h, "hook"), keepActivations, adapters); }

    /** Backward keeps every layer's activations from its forward. */
    public Pass keepingActivations() { return new Pass(masks, hook, true, adapters); }

    /** With low-rank adapters on the projections. */
    public Pass withAdapters(Adapters a) { return new Pass(masks, hook, keepActivations, Objects.requireNonNull(a, "adapters")); }
}
