package dev.lopper.allocation.search;

/**
 * A chat model that answers one system + user message pair: an OpenAI-compatible endpoint
 * ({@link OpenAiChat}) or a local model through Lopper's own generation ({@link SelfChat}).
 */
public interface ChatBackend extends AutoCloseable {
    /** The reply's text; throws {@link ChatException} when no reply could be had (after retries). */
    String complete(String system, String user);

    @Override
    default void close() {}

    /** No usable reply: why, in a few words (never containing credentials). */
    final class ChatException extends RuntimeException {
        public ChatException(String message) {
            super(message);
        }
    }
}
