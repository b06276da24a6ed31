package dev.lopper.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face tokenizer.json into a {@link TokenizerPipeline}. Only what can be run
 * exactly as HF runs it is accepted: a BPE model without dropout, and the normalizers,
 * pre-tokenizers and decoders that this package implements. Anything else is refused with a
 * {@link BadInputException} naming the file and the component, never approximated.
 */
public final class TokenizerJson {
    private TokenizerJson() {}

    public static TokenizerPipeline load(Path file) {
        return load(readTree(file), file);
    }

    /** A tokenizer.json document already parsed (or built in memory); {@code file} names it in errors. */
    public static TokenizerPipeline load(JsonNode root, Path file) {
        BpeModel model = bpe(new ComponentSpec(root.path("model"), file, "model"), file);
        Normalizer normalizer = Normalizers.read(new ComponentSpec(root.get("normalizer"), file, "normalizer"));
        PreTokenizer preTokenizer =
                PreTokenizers.read(new ComponentSpec(root.get("pre_tokenizer"), file, "pre_tokenizer"));
        Decoder decoder = Decoders.read(new ComponentSpec(root.get("decoder"), file, "decoder"));

        // HF's ids for the added tokens, which may differ from the ids written beside them.
        List<AddedToken> added = AddedTokenIds.assign(addedTokens(root.path("added_tokens"), file), model.vocabulary());
        Map<String, AddedToken> raw = new LinkedHashMap<>();
        Map<String, AddedToken> normalized = new LinkedHashMap<>();
        for (AddedToken token : added) {
            // Normalized tokens are looked for in normalized text, so their pattern is normalized too.
            if (token.normalized()) normalized.putIfAbsent(normalizer.normalize(token.content()), token);
            else raw.putIfAbsent(token.content(), token);
        }
        return new TokenizerPipeline(normalizer, preTokenizer, model, decoder, added, raw, normalized);
    }

    /** A tokenizer.json file parsed (a JSON object), or one line naming the file and the problem. */
    public static JsonNode readTree(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || !root.isObject()) throw new BadInputException(file, "not a JSON object");
            return root;
        } catch (IOException e) {
            throw new BadInputException(file, "not a valid tokenizer.json: " + dev.lopper.util.ErrorText.of(e), e);
        }
    }

    private static BpeModel bpe(ComponentSpec spec, Path file) {
        JsonNode model = spec.node();
        if (model.isMissingNode() || !model.isObject()) throw new BadInputException(file, "tokenizer.json has no model");
        // HF accepts a BPE model without "type" (older files), recognised by its merges.
        boolean bpe = "BPE".equals(spec.type()) || (!model.has("type") && model.has("merges"));
        if (!bpe) throw spec.unsupported();
        if (model.hasNonNull("dropout") && model.get("dropout").asDouble() > 0) {
            throw spec.bad("uses dropout, which makes tokenization random; Lopper needs it deterministic");
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject()) throw new BadInputException(file, "tokenizer.json has no model.vocab");
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        vocabNode.properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));

        BpeOptions options = new BpeOptions(
                textOrNull(model, "unk_token"),
                spec.flag("fuse_unk", false),
                spec.flag("byte_fallback", false),
                spec.flag("ignore_merges", false),
                textOrNull(model, "continuing_subword_prefix"),
                textOrNull(model, "end_of_word_suffix"));
        if (options.unkToken() != null && !vocab.containsKey(options.unkToken())) {
            throw spec.bad("names unk_token \"" + options.unkToken() + "\", which is not in the vocabulary");
        }
        return new BpeModel(vocab, merges(spec, vocab, options), options);
    }

    /** Merges as "left right" strings (older files) or [left, right] pairs; the list index is the rank. */
    private static MergeTable merges(ComponentSpec spec, Map<String, Integer> vocab, BpeOptions options) {
        JsonNode list = spec.node().path("merges");
        if (!list.isArray()) throw spec.bad("has no merges list");
        String prefix = options.continuingSubwordPrefix() == null ? "" : options.continuingSubwordPrefix();
        MergeTable table = new MergeTable(list.size());
        for (int rank = 0; rank < list.size(); rank++) {
            JsonNode merge = list.get(rank);
            String left, right;
            if (merge.isArray() && merge.size() == 2) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                String[] parts = merge.asText().split(" ", -1);
                if (parts.length != 2) throw spec.bad("has a bad merge at position " + rank + ": " + merge);
                left = parts[0];
                right = parts[1];
            }
            // With a continuing-subword prefix ("##"), the merged token drops the right part's prefix.
            String joined = left + (right.startsWith(prefix) ? right.substring(prefix.length()) : right);
            Integer l = vocab.get(left), r = vocab.get(right), m = vocab.get(joined);
            if (l == null || r == null || m == null) {
                throw spec.bad("has a merge of tokens missing from the vocabulary at position " + rank + ": " + merge);
            }
            table.put(l, r, rank, m);
        }
        return table;
    }

    private static List<AddedToken> addedTokens(JsonNode list, Path file) {
        List<AddedToken> tokens = new ArrayList<>();
        for (JsonNode t : list) {
            if (!t.path("content").isTextual() || !t.path("id").canConvertToInt()) {
                throw new BadInputException(file, "an added token needs \"id\" and \"content\": " + t);
            }
            tokens.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(),
                    t.path("special").asBoolean(false), t.path("normalized").asBoolean(!t.path("special").asBoolean(false)),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                    t.path("single_word").asBoolean(false)));
        }
        return tokens;
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
