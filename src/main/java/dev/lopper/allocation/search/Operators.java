package dev.lopper.allocation.search;

/** Builds the operator a search asks for. */
public final class Operators {
    private Operators() {}

    /** Fails fast (bad input) when the operator's endpoint cannot be reached; nothing to check for ga and self. */
    static void checkReachable(SearchOptions o) {
    }

    static Operator create(SearchOptions o, SearchJob.Inputs in, Counters counters, EventLog log) {
        return switch (o.operator()) {
            case "ga" -> new GaOperator();
            default -> throw new dev.lopper.BadInputException("operator " + o.operator() + " is not available");
        };
    }
}
