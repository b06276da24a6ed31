package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.BadInputException;
import dev.lopper.tokenizer.TokenizerJson;
import dev.lopper.tokenizer.TokenizerPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
    /** The tokenizer.json document when it was built in memory (from a GGUF's metadata), else null. */
    private final JsonNode json;

    private HfTokenizer(Path file, TokenizerPipeline pipeline, HfSpecialTokens special, JsonNode json) {
        this.file = file;
        this.pipeline = pipeline;
        this.special = special;
        this.json = json;
    }

    /**
     * A tokenizer.json document built in memory (a GGUF's byte-level BPE vocabulary), read from
     * {@code source}, with its special tokens given.
     */
    public static HfTokenizer of(Path source, JsonNode tokenizerJson, int bosId, int eosId, boolean addBos, int vocabSize) {
        return new HfTokenizer(source, TokenizerJson.load(tokenizerJson, source),
                new HfSpecialTokens(bosId, eosId, addBos && bosId >= 0, vocabSize), tokenizerJson);
    }

    /** The tokenizer.json document: the one built in memory, or the file read. */
    public JsonNode json() {
        return json != null ? json : TokenizerJson.readTree(file);
    }

    /**
     * Writes tokenizer.json and a tokenizer_config.json naming BOS, EOS and whether BOS is added,
     * so that the folder reads back as this tokenizer (for one built in memory, which has no files
     * to copy).
     */
    public void writeFiles(Path dir) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode root = json();
        Map<Integer, String> byId = new HashMap<>();
        root.path("model").path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
        ObjectNode config = mapper.createObjectNode();
        if (bosId() >= 0) config.put("bos_token", byId.get(bosId()));
        else config.putNull("bos_token");
        if (eosId() >= 0) config.put("eos_token", byId.get(eosId()));
        else config.putNull("eos_token");
        config.put("add_bos_token", addBosByDefault());
        Files.writeString(dir.resolve("tokenizer.json"), mapper.writeValueAsString(root));
        Files.writeString(dir.resolve("tokenizer_config.json"), mapper.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    }

    /** Whether the tokenizer was built in memory rather than read from a tokenizer.json file. */
    public boolean inMemory() {
        return json != null;
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
        return new HfTokenizer(file, TokenizerJson.load(file), special, null);
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
