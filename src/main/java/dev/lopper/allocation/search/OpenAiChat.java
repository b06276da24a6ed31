package dev.lopper.allocation.search;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.Headers;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * An OpenAI-compatible chat-completions endpoint through the official {@code com.openai:openai-java}
 * SDK (base URL, timeout). The SDK's own retries are off ({@code maxRetries(0)}) and this class
 * retries instead, so that every HTTP attempt is counted and charged to the request budget:
 * 429, 5xx, 408 and I/O failures (timeouts, refused connections) are retried up to
 * {@code retries} times, waiting what {@code Retry-After} (seconds or an HTTP date) or
 * {@code retry-after-ms} says, else 0.5 s · 2^attempt, at most {@link #MAX_WAIT}. The API key
 * goes only into the SDK's Authorization header; it is never logged or written.
 */
public final class OpenAiChat implements ChatBackend {
    static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final OpenAIClient client;
    private final String model;
    private final double temperature;
    private final int retries;
    private final int maxRequests;
    private final Counters counters;
    private int requests;

    public OpenAiChat(String baseUrl, String apiKey, String model, double temperature, Duration timeout, int retries,
                      int maxRequests, Counters counters) {
        this.client = OpenAIOkHttpClient.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey == null || apiKey.isEmpty() ? "none" : apiKey)
                .maxRetries(0)
                // No pooled connections: a server that closes each connection after its reply (HTTP/1.0,
                // or keep-alive shorter than our pause) would otherwise fail every other request on a stale
                // socket, an attempt the server never saw. One connection per request costs a handshake
                // per chat reply, which takes seconds anyway; --max-requests then counts what the server got.
                .maxIdleConnections(0)
                .keepAliveDuration(Duration.ofSeconds(1))
                .timeout(timeout)
                .build();
        this.model = model;
        this.temperature = temperature;
        this.retries = retries;
        this.maxRequests = maxRequests;
        this.counters = counters;
    }

    @Override
    public String complete(String system, String user) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(model)
                .addSystemMessage(system)
                .addUserMessage(user)
                .temperature(temperature)
                .build();
        String last = "no attempt";
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (requests >= maxRequests) {
                counters.inc("llm.budgetExhausted");
                throw new ChatException("request budget of " + maxRequests + " spent (--max-requests)");
            }
            requests++;
            counters.inc("llm.requests");
            if (attempt > 0) counters.inc("llm.retries");
            Duration wait;
            try {
                ChatCompletion c = client.chat().completions().create(params);
                if (c.choices().isEmpty()) {
                    counters.inc("llm.emptyReplies");
                    throw new ChatException("the reply has no choices");
                }
                return c.choices().getFirst().message().content().orElse("");
            } catch (RateLimitException e) {
                counters.inc("llm.http429");
                last = "HTTP 429";
                wait = retryAfter(e.headers(), attempt);
            } catch (InternalServerException e) {
                counters.inc("llm.http5xx");
                last = "HTTP " + e.statusCode();
                wait = retryAfter(e.headers(), attempt);
            } catch (OpenAIServiceException e) {
                if (e.statusCode() != 408) {
                    counters.inc("llm.httpOther");
                    throw new ChatException("HTTP " + e.statusCode() + " (not retried)");
                }
                counters.inc("llm.timeouts");
                last = "HTTP 408";
                wait = retryAfter(e.headers(), attempt);
            } catch (OpenAIIoException e) {
                Throwable cause = cause(e);
                if (cause instanceof ConnectException) {
                    counters.inc("llm.connectionErrors");
                    last = "connection refused";
                } else if (cause instanceof InterruptedIOException) {
                    counters.inc("llm.timeouts");
                    last = "timed out";
                } else {
                    counters.inc("llm.ioErrors");
                    last = "I/O error " + cause.getClass().getSimpleName();
                }
                wait = backoff(attempt);
            } catch (ChatException e) {
                throw e;
            } catch (RuntimeException e) {
                // A response the SDK could not read (not JSON, wrong shape).
                counters.inc("llm.badResponses");
                throw new ChatException("unreadable response: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            if (attempt < retries) sleep(wait);
        }
        throw new ChatException(last + " after " + (retries + 1) + " attempts");
    }

    /** The wait a 429/5xx asks for: retry-after-ms, Retry-After in seconds or as an HTTP date; else back-off. */
    static Duration retryAfter(Headers h, int attempt) {
        try {
            List<String> ms = h.values("retry-after-ms");
            if (!ms.isEmpty()) return cap(Duration.ofMillis((long) Double.parseDouble(ms.getFirst().trim())));
            List<String> ra = h.values("retry-after");
            if (!ra.isEmpty()) {
                String v = ra.getFirst().trim();
                try {
                    return cap(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
                } catch (NumberFormatException notSeconds) {
                    ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return cap(Duration.between(ZonedDateTime.now(at.getZone()), at));
                }
            }
        } catch (RuntimeException unreadable) {
            // fall through to the back-off
        }
        return backoff(attempt);
    }

    static Duration backoff(int attempt) {
        return cap(Duration.ofMillis(500L << Math.min(attempt, 4)));
    }

    private static Duration cap(Duration d) {
        if (d.isNegative()) return Duration.ZERO;
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    /** The first ConnectException or InterruptedIOException (a timeout) in the cause chain, else the root cause. */
    private static Throwable cause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectException || c instanceof InterruptedIOException) return c;
            if (c.getCause() == null) return c;
        }
        return t;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChatException("interrupted");
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
