package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Hugging Face tokenizers library does not tell us about a tokenizer.json: which ids
 * are BOS and EOS, whether a model expects BOS, and how many ids there are.
 *
 * <p>Sources, best first: tokenizer_config.json beside tokenizer.json (what transformers uses),
 * then the post-processor template (a leading special token is the BOS it adds), then the
 * usual names among the added tokens.
 */
record HfSpecialTokens(int bosId, int eosId, boolean addBosByDefault, int vocabSize) {

    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<bos>");
    private static final List<String> EOS_NAMES =
            List.of("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>");

    static HfSpecialTokens read(Path tokenizerJson) {
        JsonNode tokenizer = readJson(tokenizerJson);
        Map<String, Integer> ids = tokenIds(tokenizer, tokenizerJson);
        int vocabSize = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;

        int templateBos = templateBos(tokenizer.path("post_processor"), ids);
        Path configFile = tokenizerJson.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configFile) ? readJson(configFile) : null;

        // A key present in tokenizer_config.json decides, even when null (Qwen: "bos_token": null).
        int bos = config != null && config.has("bos_token") ? idOf(config.get("bos_token"), ids)
                : templateBos >= 0 ? templateBos : firstKnown(BOS_NAMES, ids);
        int eos = config != null && config.has("eos_token") ? idOf(config.get("eos_token"), ids)
                : firstKnown(EOS_NAMES, ids);
        JsonNode addBos = config == null ? null : config.get("add_bos_token");
        // Without add_bos_token, a BOS that the config names or the template adds is one the model
        // was trained with (Llama 3's config names <|begin_of_text|> and says nothing more).
        boolean addBosByDefault = bos >= 0 && (addBos != null && !addBos.isNull()
                ? addBos.asBoolean()
                : templateBos >= 0 || (config != null && config.has("bos_token")));
        return new HfSpecialTokens(bos, eos, addBosByDefault, vocabSize);
    }

    /** Every token string → id: the model's vocabulary plus the added tokens. */
    private static Map<String, Integer> tokenIds(JsonNode tokenizer, Path file) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = tokenizer.path("model").path("vocab");
        if (vocab.isObject()) { // BPE, WordPiece, WordLevel
            vocab.properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], id = position
            for (int i = 0; i < vocab.size(); i++) ids.put(vocab.get(i).path(0).asText(), i);
        } else {
            throw new BadInputException(file, "tokenizer.json has no model.vocab");
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").asInt());
        }
        return ids;
    }

    /** A token in tokenizer_config.json is a string or an AddedToken object with "content". */
    private static int idOf(JsonNode token, Map<String, Integer> ids) {
        if (token == null || token.isNull()) return -1;
        String content = token.isObject() ? token.path("content").asText(null) : token.asText();
        return content == null ? -1 : ids.getOrDefault(content, -1);
    }

    /** The special token that TemplateProcessing puts before the single sequence, if any. */
    private static int templateBos(JsonNode processor, Map<String, Integer> ids) {
        if ("Sequence".equals(processor.path("type").asText())) {
            for (JsonNode inner : processor.path("processors")) {
                int bos = templateBos(inner, ids);
                if (bos >= 0) return bos;
            }
            return -1;
        }
        if (!"TemplateProcessing".equals(processor.path("type").asText())) return -1;
        JsonNode first = processor.path("single").path(0).path("SpecialToken");
        if (first.isMissingNode()) return -1;
        JsonNode special = processor.path("special_tokens").path(first.path("id").asText());
        if (special.path("ids").size() > 0) return special.path("ids").get(0).asInt();
        return ids.getOrDefault(first.path("id").asText(), -1);
    }

    private static int firstKnown(List<String> names, Map<String, Integer> ids) {
        for (String name : names) {
            if (ids.containsKey(name)) return ids.get(name);
        }
        return -1;
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new BadInputException(file, "not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read JSON: " + dev.lopper.util.ErrorText.of(e), e);
        }
    }
}
