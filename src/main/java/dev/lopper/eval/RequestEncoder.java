package dev.lopper.eval;

import dev.lopper.BadInputException;
import dev.lopper.data.TextRequest;
import dev.lopper.io.Tokenizer;
import java.util.Arrays;

/**
 * Tokenises a text request the way lm-evaluation-harness does: trailing whitespace of the
 * context moves to the continuation, context = encode(context) with BOS, and the continuation
 * tokens are what encode(context + continuation) has beyond the context's length. Encoding the
 * whole string keeps tokens that merge across the boundary the same as in running text.
 * Not thread-safe (it remembers the last context).
 */
public final class RequestEncoder {
    private final Tokenizer tokenizer;
    private String lastContext;
    private int[] lastContextTokens;

    public RequestEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public LoglikRequest encode(TextRequest request) {
        String context = request.context();
        String continuation = request.continuation();
        int trimmed = context.stripTrailing().length();
        if (trimmed < context.length()) {
            continuation = context.substring(trimmed) + continuation;
            context = context.substring(0, trimmed);
        }
        if (context.isEmpty()) {
            return checked(new int[] {prefixToken()}, tokenizer.encode(continuation, false), request);
        }
        int[] contextTokens = encodeContext(context);
        int[] wholeTokens = tokenizer.encode(context + continuation, true);
        int[] continuationTokens = Arrays.copyOfRange(wholeTokens,
                Math.min(contextTokens.length, wholeTokens.length), wholeTokens.length);
        return checked(contextTokens, continuationTokens, request);
    }

    /**
     * The choices of one example share their context, so the last encoding is reused; handing
     * the model the same array also lets it spot the shared prefix cheaply.
     */
    private int[] encodeContext(String context) {
        if (!context.equals(lastContext)) {
            lastContext = context;
            lastContextTokens = tokenizer.encode(context, true);
        }
        return lastContextTokens;
    }

    /** BOS, or EOS for tokenizers without one, as lm-eval does for an empty context. */
    private int prefixToken() {
        if (tokenizer.bosId() >= 0) return tokenizer.bosId();
        if (tokenizer.eosId() >= 0) return tokenizer.eosId();
        throw new BadInputException("the tokenizer has neither BOS nor EOS, so an empty context cannot be scored");
    }

    private static LoglikRequest checked(int[] context, int[] continuation, TextRequest source) {
        if (context.length == 0) {
            throw new BadInputException("context encodes to no tokens: \"" + source.context() + "\"");
        }
        if (continuation.length == 0) {
            throw new BadInputException("continuation \"" + source.continuation()
                    + "\" encodes to no tokens after context \"" + abbreviate(source.context()) + "\"");
        }
        return new LoglikRequest(context, continuation);
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : "…" + text.substring(text.length() - 79);
    }
}
