package dev.lopper.eval;

import java.util.Arrays;

/** Token ids of a context (starting with BOS) and of the continuation to score after it. */
public record LoglikRequest(int[] context, int[] continuation) {
    public LoglikRequest {
        if (context.length == 0) throw new IllegalArgumentException("empty context: it must hold at least BOS");
        if (continuation.length == 0) throw new IllegalArgumentException("empty continuation");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoglikRequest r && Arrays.equals(context, r.context)
                && Arrays.equals(continuation, r.continuation);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(context) + Arrays.hashCode(continuation);
    }

    @Override
    public String toString() {
        return "LoglikRequest[context=" + Arrays.toString(context) + ", continuation="
                + Arrays.toString(continuation) + "]";
    }
}
