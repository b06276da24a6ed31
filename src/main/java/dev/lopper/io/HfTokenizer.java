package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.tokenizer.TokenizerJson;
import dev.lopper.tokenizer.TokenizerPipeline;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face {@code tokenizer.json}, run by Lopper's own pipeline ({@link TokenizerJson}),
 * which gives the same ids and text as the Rust tokenizers library (a differential test checks
 * it against the library) without its native code and memory.
 *
 * <p>Encoding adds no special tokens of the post-processor; BOS is added here so that
 * {@code addBos} means the same thing for every tokenizer.
 */
public final class HfTokenizer implements Tokenizer {

    private final Path file;
    private final TokenizerPipeline pipeline;
    private final HfSpecialTokens special;

    private HfTokenizer(Path file, TokenizerPipeline pipeline, HfSpecialTokens special) {
        this.file = file;
        this.pipeline = pipeline;
        this.special = special;
    }

    /** Loads a tokenizer.json (or the tokenizer.json inside a folder). */
    public static HfTokenizer load(Path tokenizerJsonOrDir) {
        Path file = Files.isDirectory(tokenizerJsonOrDir)
                ? tokenizerJsonOrDir.resolve("tokenizer.json")
                : tokenizerJsonOrDir;
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "tokenizer file not found");
        }
        HfSpecialTokens special = HfSpecialTokens.read(file);
        return new HfTokenizer(file, TokenizerJson.load(file), special);
    }

    public Path file() {
        return file;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        int[] ids = pipeline.encode(text);
        int offset = addBos && special.bosId() >= 0 ? 1 : 0;
        int[] out = new int[ids.length + offset];
        if (offset == 1) out[0] = special.bosId();
        System.arraycopy(ids, 0, out, offset, ids.length);
        return out;
    }

    @Override
    public String decode(int[] ids) {
        return pipeline.decode(ids, true);
    }

    /**
     * Decodes {@code [previous, id]} and removes what {@code [previous]} alone decodes to. The
     * previous token matters: SentencePiece decoders strip the leading "▁" of the first piece,
     * so "▁world" alone is "world" but after "Hello" it adds " world". A special previous
     * token (BOS) is skipped, so the first word after BOS loses its space, as in transformers.
     * A byte-fallback piece of a multi-byte character cannot be shown alone (it decodes to
     * U+FFFD); {@link StreamingDecoder} holds such bytes back until the character is complete.
     */
    @Override
    public String decodeToken(int previous, int id) {
        if (previous < 0) return decode(new int[] {id});
        String before = decode(new int[] {previous});
        String both = decode(new int[] {previous, id});
        return both.startsWith(before) ? both.substring(before.length()) : decode(new int[] {id});
    }

    @Override
    public int vocabSize() {
        return special.vocabSize();
    }

    @Override
    public int bosId() {
        return special.bosId();
    }

    @Override
    public int eosId() {
        return special.eosId();
    }

    @Override
    public boolean addBosByDefault() {
        return special.addBosByDefault();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + "]";
    }
}
