package dev.lopper.data;

/** One text pair to score: log p(continuation | context). Untokenised; see eval.RequestEncoder. */
public record TextRequest(String context, String continuation) {
    public TextRequest {
        if (context == null || continuation == null) throw new IllegalArgumentException("null text");
    }
}
