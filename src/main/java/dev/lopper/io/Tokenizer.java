package dev.lopper.io;

/**
 * Text ↔ token ids. Implementations: HF tokenizer.json (run by {@code dev.lopper.tokenizer})
 * and llama2.c tokenizer.bin.
 */
public interface Tokenizer extends AutoCloseable {
    /** Encodes text; prepends BOS when {@code addBos} and the tokenizer has one. No truncation. */
    int[] encode(String text, boolean addBos);

    /** Decodes ids to text, skipping special tokens such as BOS/EOS. */
    String decode(int[] ids);

    /** The text of one token as it appears when streamed after the previous token. */
    String decodeToken(int previous, int id);

    int vocabSize();

    /** BOS id, or -1 when there is none. */
    int bosId();

    /** EOS id, or -1 when there is none. */
    int eosId();

    /**
     * Whether the model was trained with BOS before each text (HF {@code add_bos_token}; true
     * for llama2.c). Callers that follow the model's convention pass this as {@code addBos}.
     */
    default boolean addBosByDefault() {
        return bosId() >= 0;
    }

    @Override
    default void close() {}
}
