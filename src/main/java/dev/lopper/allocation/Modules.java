package dev.lopper.allocation;

import dev.lopper.BadInputException;

import java.util.Locale;

/** Which kinds of groups a run may remove. */
public enum Modules {
    ATTENTION, MLP, BOTH;

    public boolean attention() { return this != MLP; }

    public boolean mlp() { return this != ATTENTION; }

    /** Parses "attention", "mlp" or "both" (any case). */
    public static Modules parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BadInputException("modules must be attention, mlp or both, not '" + s + "'");
        }
    }
}
