package dev.lopper.io.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.io.HfTokenizer;
import dev.lopper.io.Llama2cTokenizer;
import dev.lopper.io.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tokenizer.ggml.*} metadata llama.cpp tokenizes with, from a tokenizer.json or a
 * llama2.c tokenizer.bin.
 *
 * <ul>
 *   <li>SentencePiece-style BPE (byte fallback, "▁" for spaces; Llama 2, the fixtures) and llama2.c
 *       → {@code llama}: tokens, scores, token types (byte tokens {@code <0xXX>} typed BYTE).
 *       llama.cpp's SPM tokenizer merges the adjacent pair whose concatenation has the highest
 *       score; Lopper's design for a tokenizer.json, which has merges and no scores: the score of
 *       a token is minus the rank of the first merge that makes it, so the highest score is the
 *       lowest-ranked merge, as in HF's BPE (tokens no merge makes score below every merge).
 *       llama2.c's own scores are used as they are.</li>
 *   <li>Byte-level BPE (Llama 3, Qwen) → {@code gpt2}: tokens, merges, token types, and the
 *       pre-tokenizer name llama.cpp knows for the split pattern ({@code llama-bpe}, {@code qwen2},
 *       {@code gpt-2}); an unknown pattern writes no name (llama.cpp then uses its default).</li>
 * </ul>
 * Special ids, add_bos/add_eos and the chat template (tokenizer_config.json) are written too.
 */
public final class GgufTokenizerMetadata {
    /** llama.cpp's token types. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    /**
     * A byte-level pre-tokenizer that llama.cpp knows by name ({@code tokenizer.ggml.pre}): the
     * split pattern tokenizer.json writes for it (null: GPT-2's, built into the ByteLevel
     * pre-tokenizer), and whether a word that is itself in the vocabulary skips the merges
     * (llama.cpp's ignore_merges, as Llama 3's tokenizer.json says).
     */
    record BytePre(String name, String regex, boolean ignoreMerges) {}

    static final List<BytePre> BYTE_PRE = List.of(
            new BytePre("llama-bpe",
                    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                    true),
            new BytePre("qwen2",
                    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                    false),
            // BLOOM's tokenizer.json; llama.cpp writes the same class without the inner brackets
            new BytePre("bloom", " ?[^(\\s|[.,!?…。，、।۔،])]+", false),
            new BytePre("gpt-2", null, false));

    /** Other names llama.cpp gives the same pre-tokenizers (llama-vocab.cpp). */
    static final Map<String, String> BYTE_PRE_ALIASES = Map.of("llama3", "llama-bpe", "llama-v3", "llama-bpe");

    private GgufTokenizerMetadata() {}

    public static Map<String, GgufValue> of(Tokenizer tokenizer) {
        if (tokenizer instanceof HfTokenizer hf) return fromTokenizerJson(hf.file(), hf.json(), tokenizer);
        if (tokenizer instanceof Llama2cTokenizer l2c) return fromLlama2c(l2c);
        throw new BadInputException("no GGUF tokenizer metadata for " + tokenizer);
    }

    static Map<String, GgufValue> fromLlama2c(Llama2cTokenizer t) {
        int n = t.vocabSize();
        List<String> tokens = new ArrayList<>(n);
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String piece = t.piece(id);
            boolean isByte = piece.matches("<0x[0-9A-F]{2}>");
            tokens.add(isByte ? piece : piece.replace(' ', '\u2581'));
            scores[id] = t.score(id);
            types[id] = id == 0 ? UNKNOWN : id <= 2 ? CONTROL : isByte ? BYTE : NORMAL;
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        m.put("tokenizer.ggml.scores", GgufValue.f32s(scores));
        m.put("tokenizer.ggml.token_type", GgufValue.i32s(types));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(t.bosId()));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(t.eosId()));
        m.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(0));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        m.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(true));
        return m;
    }

    static Map<String, GgufValue> fromTokenizerJson(Path file, JsonNode root, Tokenizer tokenizer) {
        JsonNode model = root.path("model");
        if (!model.path("vocab").isObject() || !model.path("merges").isArray())
            throw new BadInputException(file, "GGUF export needs a BPE tokenizer.json (model.vocab and model.merges)");
        Map<Integer, String> byId = new HashMap<>();
        model.path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<String, Boolean> addedSpecial = new HashMap<>();
        for (JsonNode a : root.path("added_tokens")) {
            byId.put(a.path("id").asInt(), a.path("content").asText());
            addedSpecial.put(a.path("content").asText(), a.path("special").asBoolean());
        }
        int n = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<String> merges = new ArrayList<>();
        for (JsonNode mg : model.path("merges")) {
            merges.add(mg.isArray() ? mg.get(0).asText() + " " + mg.get(1).asText() : mg.asText());
        }
        boolean byteLevel = root.toString().contains("\"ByteLevel\"");
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String unk = model.path("unk_token").asText(null);

        List<String> tokens = new ArrayList<>(n);
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String tok = byId.get(id);
            if (tok == null) {
                tokens.add("[PAD" + id + "]");
                types[id] = UNUSED;
                continue;
            }
            tokens.add(tok);
            Boolean special = addedSpecial.get(tok);
            if (tok.equals(unk)) types[id] = UNKNOWN;
            else if (special != null) types[id] = special ? CONTROL : USER_DEFINED;
            else if (byteFallback && tok.matches("<0x[0-9A-F]{2}>")) types[id] = BYTE;
            else types[id] = NORMAL;
        }

        Map<String, GgufValue> m = new LinkedHashMap<>();
        if (byteLevel) {
            m.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
            String pre = preTokenizerName(root.path("pre_tokenizer"));
            if (pre != null) m.put("tokenizer.ggml.pre", GgufValue.string(pre));
            m.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
            m.put("tokenizer.ggml.token_type", GgufValue.i32s(types));
            m.put("tokenizer.ggml.merges", GgufValue.strings(merges));
        } else {
            m.put("tokenizer.ggml.model", GgufValue.string("llama"));
            m.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
            m.put("tokenizer.ggml.scores", GgufValue.f32s(mergeScores(tokens, merges)));
            m.put("tokenizer.ggml.token_type", GgufValue.i32s(types));
            m.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(addsSpacePrefix(root)));
        }
        if (tokenizer.bosId() >= 0) m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(tokenizer.bosId()));
        if (tokenizer.eosId() >= 0) m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(tokenizer.eosId()));
        if (unk != null && tokens.contains(unk))
            m.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(tokens.indexOf(unk)));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(tokenizer.addBosByDefault()));
        JsonNode config = tokenizerConfig(file);
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(config.path("add_eos_token").asBoolean(false)));
        String template = chatTemplate(config.get("chat_template"));
        if (template != null) m.put("tokenizer.chat_template", GgufValue.string(template));
        return m;
    }

    /** Minus the rank of the first merge making each token; tokens no merge makes score lowest. */
    static float[] mergeScores(List<String> tokens, List<String> merges) {
        Map<String, Integer> firstRank = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) firstRank.putIfAbsent(merges.get(r).replace(" ", ""), r);
        float[] scores = new float[tokens.size()];
        for (int id = 0; id < scores.length; id++) {
            Integer r = firstRank.get(tokens.get(id));
            scores[id] = r != null ? -r : -(merges.size() + id);
        }
        return scores;
    }

    /** The llama.cpp name of a byte-level pre-tokenizer's split pattern, or null. */
    static String preTokenizerName(JsonNode pre) {
        List<JsonNode> parts = new ArrayList<>();
        if ("Sequence".equals(pre.path("type").asText())) pre.path("pretokenizers").forEach(parts::add);
        else parts.add(pre);
        for (JsonNode p : parts) {
            if ("Split".equals(p.path("type").asText())) {
                String regex = p.path("pattern").path("Regex").asText(null);
                if (regex != null) {
                    for (BytePre b : BYTE_PRE) if (regex.equals(b.regex())) return b.name();
                    return null;
                }
            }
        }
        boolean gpt2 = parts.size() == 1 && "ByteLevel".equals(parts.get(0).path("type").asText())
                && parts.get(0).path("use_regex").asBoolean(true);
        return gpt2 ? "gpt-2" : null;
    }

    /** SentencePiece-style: a "▁" prepended by the normalizer (Prepend) or a Metaspace pre-tokenizer. */
    private static boolean addsSpacePrefix(JsonNode root) {
        String text = root.path("normalizer").toString() + root.path("pre_tokenizer").toString();
        if (text.contains("\"Prepend\"")) return true;
        JsonNode pre = root.path("pre_tokenizer");
        if ("Metaspace".equals(pre.path("type").asText()))
            return !"never".equals(pre.path("prepend_scheme").asText("always"))
                    && pre.path("add_prefix_space").asBoolean(true);
        return false;
    }

    private static String chatTemplate(JsonNode t) {
        if (t == null || t.isNull()) return null;
        if (t.isTextual()) return t.asText();
        for (JsonNode named : t) {
            if ("default".equals(named.path("name").asText())) return named.path("template").asText();
        }
        return null;
    }

    private static JsonNode tokenizerConfig(Path tokenizerJson) {
        Path config = tokenizerJson.resolveSibling("tokenizer_config.json");
        return Files.isRegularFile(config) ? readJson(config) : new ObjectMapper().createObjectNode();
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read JSON: " + e.getMessage(), e);
        }
    }

}
