package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Variants of real tokenizer.json files, written at test time: the same vocabulary and merges
 * with other normalizers, pre-tokenizers, decoders or added tokens, so that configurations no
 * shipped file has can still be compared with the reference library.
 */
final class TokenizerVariants {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Path, ObjectNode> ORIGINALS = new ConcurrentHashMap<>(); // parsed once, copied per variant

    private TokenizerVariants() {}

    /** Reads {@code original}, lets {@code edit} change it, and writes it as {@code dir/name.json}. */
    static Path write(Path original, Path dir, String name, Consumer<ObjectNode> edit) {
        try {
            ObjectNode root = ORIGINALS.computeIfAbsent(original, TokenizerVariants::read).deepCopy();
            edit.accept(root);
            Path file = dir.resolve(name + ".json");
            JSON.writeValue(file.toFile(), root);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode read(Path file) {
        try {
            return (ObjectNode) JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The modern SentencePiece form: no normalizer, a Metaspace pre-tokenizer. */
    static Consumer<ObjectNode> metaspace(String prependScheme, boolean split, boolean metaspaceDecoder) {
        return root -> {
            root.putNull("normalizer");
            root.set("pre_tokenizer", metaspaceNode("Metaspace", prependScheme, split));
            if (metaspaceDecoder) root.set("decoder", metaspaceNode("Metaspace", prependScheme, split));
            else root.set("decoder", parse("""
                    {"type": "Sequence", "decoders": [
                      {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                      {"type": "ByteFallback"}, {"type": "Fuse"},
                      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}"""));
        };
    }

    private static ObjectNode metaspaceNode(String type, String prependScheme, boolean split) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type).put("replacement", "\u2581").put("prepend_scheme", prependScheme).put("split", split);
        return node;
    }

    /** Appends an added token with the given id and options. */
    static void addToken(ObjectNode root, int id, String content, boolean special, boolean normalized,
            boolean lstrip, boolean rstrip, boolean singleWord) {
        ObjectNode token = ((ArrayNode) root.get("added_tokens")).addObject();
        token.put("id", id).put("content", content).put("single_word", singleWord).put("lstrip", lstrip)
                .put("rstrip", rstrip).put("normalized", normalized).put("special", special);
    }

    /** The size of the model vocabulary (its number of entries, which HF numbers added tokens after). */
    static int vocabSize(ObjectNode root) {
        return root.get("model").get("vocab").size();
    }
}
