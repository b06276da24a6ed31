package dev.lopper.model;

/**
 * The low-rank adapters of a pass (see {@link Adapter}), by layer and projection, with the
 * dropout on their inputs. Dropout masks are a function of (seed, layer, projection, element),
 * so the forward that backward recomputes drops the same inputs as the forward that made the
 * loss, and a run is the same on any thread count.
 */
public interface Adapters {
    /** The adapter on projection {@code p} (Q, K, V, O, GATE, UP, DOWN) of layer {@code layer}, or null. */
    Adapter on(int layer, Param p);

    /** Probability of dropping an input of an adapter (0 at evaluation). */
    float dropout();

    /** Seed of the dropout masks of this pass. */
    long dropoutSeed();
}
