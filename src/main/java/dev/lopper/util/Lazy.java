package dev.lopper.util;

import java.util.function.Supplier;

/**
 * A value computed the first time it is asked for, then kept (single-threaded use: a run's
 * stages call it one after another). Written here because the JDK's StableValue is still a preview.
 */
public final class Lazy<T> implements Supplier<T> {
    private Supplier<? extends T> compute;
    private T value;

    private Lazy(Supplier<? extends T> compute) { this.compute = compute; }

    public static <T> Lazy<T> of(Supplier<? extends T> compute) { return new Lazy<>(compute); }

    @Override
    public T get() {
        if (compute != null) {
            value = compute.get();
            compute = null;
        }
        return value;
    }
}
