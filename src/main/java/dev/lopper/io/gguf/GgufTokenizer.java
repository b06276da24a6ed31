package dev.lopper.io.gguf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.io.HfTokenizer;
import dev.lopper.io.Llama2cTokenizer;
import dev.lopper.io.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The tokenizer stored in a GGUF file's metadata. A SentencePiece vocabulary ({@code llama}:
 * tokens and scores) is run by the same score-merging algorithm as llama2.c's tokenizer and
 * llama.cpp's SPM tokenizer. Byte-level BPE ({@code gpt2}) becomes the tokenizer.json document
 * it describes, run by Lopper's tokenizer.json pipeline ({@link #byteLevel}).
 */
public final class GgufTokenizer {
    private GgufTokenizer() {}

    public static Tokenizer load(Path file) {
        GgufFile f = GgufFile.open(file);
        String model = f.string("tokenizer.ggml.model", null);
        if (model == null) throw f.bad("has no tokenizer (tokenizer.ggml.model); pass --tokenizer");
        if (model.equals("gpt2")) return byteLevel(f, file);
        if (!model.equals("llama"))
            throw f.bad("tokenizer '" + model + "' is not read from GGUF (Lopper reads 'llama' and 'gpt2'); pass the model's tokenizer.json with --tokenizer");
        List<Object> tokens = f.array("tokenizer.ggml.tokens", GgufValueType.STRING);
        List<Object> scores = f.array("tokenizer.ggml.scores", GgufValueType.FLOAT32);
        if (scores.size() != tokens.size())
            throw f.bad("has " + tokens.size() + " tokens but " + scores.size() + " scores");
        if (f.u32("tokenizer.ggml.bos_token_id", 1) != 1 || f.u32("tokenizer.ggml.eos_token_id", 2) != 2)
            throw f.bad("BOS/EOS are not ids 1/2; Lopper reads SentencePiece vocabularies laid out as Llama 2's");
        byte[][] pieces = new byte[tokens.size()][];
        float[] s = new float[tokens.size()];
        for (int i = 0; i < pieces.length; i++) {
            String t = (String) tokens.get(i);
            pieces[i] = (t.matches("<0x[0-9A-F]{2}>") ? t : t.replace('\u2581', ' ')).getBytes(StandardCharsets.UTF_8);
            s[i] = (float) (double) (Double) scores.get(i);
        }
        return Llama2cTokenizer.of(file, pieces, s);
    }

    /**
     * Byte-level BPE ({@code gpt2}): the tokenizer.json document the GGUF's tokens, types and
     * merges describe, with the pre-tokenizer {@code tokenizer.ggml.pre} names (see
     * {@link GgufTokenizerMetadata#BYTE_PRE}), run by Lopper's tokenizer.json pipeline. Every
     * token keeps its id; control and user-defined tokens are also added tokens (matched in the
     * text before pre-tokenization, control ones special), as llama.cpp treats them.
     */
    static Tokenizer byteLevel(GgufFile f, Path file) {
        String preName = f.string("tokenizer.ggml.pre", null);
        if (preName == null) throw f.bad("has a gpt2 tokenizer without tokenizer.ggml.pre; pass the model's tokenizer.json with --tokenizer");
        String canonical = GgufTokenizerMetadata.BYTE_PRE_ALIASES.getOrDefault(preName, preName);
        GgufTokenizerMetadata.BytePre pre = GgufTokenizerMetadata.BYTE_PRE.stream()
                .filter(b -> b.name().equals(canonical)).findFirst()
                .orElseThrow(() -> f.bad("tokenizer.ggml.pre '" + preName + "' is not one Lopper knows (it reads "
                        + GgufTokenizerMetadata.BYTE_PRE.stream().map(GgufTokenizerMetadata.BytePre::name).toList()
                        + "); pass the model's tokenizer.json with --tokenizer"));
        List<Object> tokens = f.array("tokenizer.ggml.tokens", GgufValueType.STRING);
        List<Object> merges = f.array("tokenizer.ggml.merges", GgufValueType.STRING);
        List<Object> types = f.has("tokenizer.ggml.token_type") ? f.array("tokenizer.ggml.token_type", GgufValueType.INT32) : null;
        if (types != null && types.size() != tokens.size())
            throw f.bad("has " + tokens.size() + " tokens but " + types.size() + " token types");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode model = json.createObjectNode();
        model.put("type", "BPE").put("ignore_merges", pre.ignoreMerges()).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            String t = (String) tokens.get(id);
            if (vocab.has(t)) throw f.bad("token '" + t + "' appears twice in tokenizer.ggml.tokens");
            vocab.put(t, id);
            long type = types == null ? GgufTokenizerMetadata.NORMAL : (Long) types.get(id);
            if (type == GgufTokenizerMetadata.CONTROL || type == GgufTokenizerMetadata.USER_DEFINED)
                added.addObject().put("id", id).put("content", t).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", type == GgufTokenizerMetadata.CONTROL);
        }
        ArrayNode mergeList = model.putArray("merges");
        for (Object m : merges) mergeList.add((String) m);
        root.putNull("normalizer");
        ObjectNode byteLevel = json.createObjectNode()
                .put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", pre.regex() == null);
        if (pre.regex() == null) {
            root.set("pre_tokenizer", byteLevel);
        } else {
            ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode parts = seq.putArray("pretokenizers");
            ObjectNode split = parts.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", pre.regex());
            split.put("behavior", "Isolated").put("invert", false);
            parts.add(byteLevel);
        }
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        root.set("model", model);
        int bos = (int) f.u32("tokenizer.ggml.bos_token_id", -1), eos = (int) f.u32("tokenizer.ggml.eos_token_id", -1);
        for (int id : new int[]{bos, eos})
            if (id >= tokens.size()) throw f.bad("special token id " + id + " is outside the " + tokens.size() + "-token vocabulary");
        return HfTokenizer.of(file, root, bos, eos, f.bool("tokenizer.ggml.add_bos_token", false), tokens.size());
    }
}
