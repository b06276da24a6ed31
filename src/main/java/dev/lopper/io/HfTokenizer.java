package dev.lopper.io;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust tokenizers library through DJL, so that
 * normalizers, pre-tokenizers, added tokens and byte fallback behave exactly as in transformers.
 *
 * <p>DJL's defaults are for classifiers (512-token truncation, padding, post-processor special
 * tokens); all three are switched off, and BOS is added here so that {@code addBos} means the
 * same thing for every tokenizer.
 */
public final class HfTokenizer implements Tokenizer {

    static {
        // The library is bundled in the jar; never let DJL reach for the network.
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
    }

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final HfSpecialTokens special;

    private HfTokenizer(Path file, HuggingFaceTokenizer hf, HfSpecialTokens special) {
        this.file = file;
        this.hf = hf;
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
        Map<String, String> options = Map.of(
                "addSpecialTokens", "false",
                "truncation", "false",
                "padding", "false");
        try {
            return new HfTokenizer(file, HuggingFaceTokenizer.newInstance(file, options), special);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file, "not a valid tokenizer.json: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        long[] ids = hf.encode(text, false, false).getIds();
        int offset = addBos && special.bosId() >= 0 ? 1 : 0;
        int[] out = new int[ids.length + offset];
        if (offset == 1) out[0] = special.bosId();
        for (int i = 0; i < ids.length; i++) out[i + offset] = (int) ids[i];
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) wide[i] = ids[i];
        return hf.decode(wide, true);
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
    public void close() {
        hf.close();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + "]";
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }
}
