package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.BadInputException;
import dev.lopper.model.AlibiHeads;
import dev.lopper.model.BlockOps;
import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.RopeScaling;
import dev.lopper.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Hugging Face config.json ↔ {@link ModelConfig}. Reads Llama, Mistral, Qwen2, BLOOM and Baichuan
 * configs, plus Lopper's per-layer lists for pruned models whose layers differ (and, for ALiBi
 * models, which dense heads' slopes each layer kept). Writes a config of the model's own family
 * that {@code transformers} loads as is when all layers match and nothing HF cannot express was
 * pruned (see docs/usage.md, "Families").
 */
public final class HfConfig {
    public static final String FILE_NAME = "config.json";
    static final String HEADS_PER_LAYER = "num_attention_heads_per_layer";
    static final String KV_HEADS_PER_LAYER = "num_key_value_heads_per_layer";
    static final String INTERMEDIATE_PER_LAYER = "intermediate_size_per_layer";

    static final String ALIBI_HEADS = "alibi_num_heads";
    static final String ALIBI_HEADS_PER_LAYER = "alibi_heads_per_layer";
    static final String POSITION = "position_embedding";
    private static final Set<String> SILU = Set.of("silu", "swish");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfig() {}

    public static ModelConfig read(Path configJson) {
        return read(configJson, LoadOptions.DEFAULT);
    }

    public static ModelConfig read(Path configJson, LoadOptions options) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            throw new BadInputException(configJson, "file not found");
        } catch (IOException e) {
            throw new BadInputException(configJson, "not valid JSON (" + dev.lopper.util.ErrorText.of(e) + ")", e);
        }
        if (root == null || !root.isObject()) throw new BadInputException(configJson, "not a JSON object");
        return new Reader(configJson, root, options).config();
    }

    /** The torch_dtype named in a config.json, or null when absent or unknown to Lopper. */
    public static DType torchDtype(Path configJson) {
        try {
            JsonNode d = JSON.readTree(Files.readAllBytes(configJson)).get("torch_dtype");
            return d == null ? null : DType.fromTorch(d.asText());
        } catch (IOException e) {
            throw new BadInputException(configJson, "cannot read (" + dev.lopper.util.ErrorText.of(e) + ")", e);
        }
    }

    /** Reads one config.json; holds the path so every error can name it. */
    private record Reader(Path path, JsonNode root, LoadOptions options) {
        ModelConfig config() {
            String arch = architecture();
            return switch (HfLayout.Family.of(arch)) {
                case LLAMA -> llama(arch);
                case BLOOM -> bloom(arch);
                case BAICHUAN -> baichuan(arch);
            };
        }

        /** BLOOM: n_embed or hidden_size, n_layer, n_head; LayerNorms, ALiBi, GELU MLP of 4·hidden, all biases, tied. */
        private ModelConfig bloom(String arch) {
            // BLOOM's own names first; the HF aliases are accepted, and a missing field is named by BLOOM's name.
            int hidden = requiredInt(root.has("hidden_size") ? "hidden_size" : "n_embed");
            int layers = requiredInt(root.has("num_hidden_layers") && !root.has("n_layer") ? "num_hidden_layers" : "n_layer");
            int heads = requiredInt(root.has("num_attention_heads") && !root.has("n_head") ? "num_attention_heads" : "n_head");
            if (optionalBool("apply_residual_connection_post_layernorm", false)) {
                throw new BadInputException(path, "apply_residual_connection_post_layernorm true is not supported");
            }
            if (options.position() == BlockOps.Position.ROPE) throw new BadInputException(path, "BLOOM uses ALiBi; it cannot be run with RoPE");
            List<LayerShape> shapes = shapes(hidden, layers, heads, heads, optionalInt("intermediate_size", 4 * hidden));
            noRopeScaling();
            return new ModelConfig(arch, hidden, requiredInt("vocab_size"), maxPositions("seq_length"), shapes,
                    (float) optionalDouble("layer_norm_epsilon", 1e-5), 10000f, null,
                    optionalBool("tie_word_embeddings", true), true, true, true, true,
                    tokenId("bos_token_id"), tokenId("eos_token_id"), BlockOps.BLOOM, alibi(heads, layers));
        }

        /**
         * Baichuan: LLaMA's blocks with q/k/v packed in W_pack; RoPE or ALiBi, which no field says:
         * BaiChuanForCausalLM (7B) is RoPE; BaichuanForCausalLM is RoPE at hidden_size 4096 (Baichuan2-7B),
         * else ALiBi (13B), as vLLM decides; Lopper's position_embedding field or the load option override.
         * Baichuan 2's NormHead where vocab_size is 125696 (as vLLM) or norm_head is true.
         */
        private ModelConfig baichuan(String arch) {
            int hidden = requiredInt("hidden_size");
            int layers = requiredInt("num_hidden_layers");
            int heads = requiredInt("num_attention_heads");
            int vocab = requiredInt("vocab_size");
            List<LayerShape> shapes = shapes(hidden, layers, heads, heads, requiredInt("intermediate_size"));
            BlockOps.Position pos = arch.equals("BaiChuanForCausalLM") || hidden == 4096 ? BlockOps.Position.ROPE
                    : BlockOps.Position.ALIBI;
            if (root.hasNonNull(POSITION)) pos = position(root.get(POSITION).asText());
            if (options.position() != null) pos = options.position();
            if (pos == BlockOps.Position.ALIBI) noRopeScaling();
            boolean normHead = vocab == 125696 || optionalBool("norm_head", false);
            checkActivation();
            boolean attentionBias = optionalBool("attention_bias", false), mlpBias = optionalBool("mlp_bias", false);
            return new ModelConfig(arch, hidden, vocab, maxPositions("model_max_length"), shapes,
                    (float) optionalDouble("rms_norm_eps", 1e-6), (float) optionalDouble("rope_theta", 10000),
                    pos == BlockOps.Position.ROPE ? ropeScaling() : null, optionalBool("tie_word_embeddings", false),
                    attentionBias, attentionBias, mlpBias, mlpBias, tokenId("bos_token_id"), tokenId("eos_token_id"),
                    BlockOps.LLAMA.withPosition(pos).withNormHead(normHead), alibi(heads, layers));
        }

        private BlockOps.Position position(String name) {
            BlockOps.Position p = dev.lopper.util.Choices.find(BlockOps.Position.class, name);
            if (p == null) throw new BadInputException(path, POSITION + " is '" + name + "', not rope or alibi");
            return p;
        }

        private int maxPositions(String alternative) {
            return optionalInt("max_position_embeddings", optionalInt(alternative, 2048));
        }

        private void noRopeScaling() {
            JsonNode r = root.get("rope_scaling");
            if (r != null && !r.isNull()) throw new BadInputException(path, "rope_scaling is set, but this model uses ALiBi, not RoPE");
        }

        /** The dense head count and the heads each layer kept (Lopper's fields), for ALiBi slopes. */
        private AlibiHeads alibi(int heads, int layers) {
            int total = optionalInt(ALIBI_HEADS, heads);
            JsonNode list = root.get(ALIBI_HEADS_PER_LAYER);
            if (list == null || list.isNull()) return AlibiHeads.dense(total);
            if (!list.isArray() || list.size() != layers) {
                throw new BadInputException(path, ALIBI_HEADS_PER_LAYER + " must be a list of " + layers + " lists (one per layer)");
            }
            List<List<Integer>> out = new ArrayList<>();
            for (JsonNode l : list) {
                List<Integer> idx = new ArrayList<>();
                for (JsonNode n : l) {
                    if (!n.isInt() || n.asInt() < 0 || n.asInt() >= total)
                        throw new BadInputException(path, ALIBI_HEADS_PER_LAYER + " holds " + n + ", not a head below " + total);
                    idx.add(n.asInt());
                }
                out.add(idx);
            }
            return new AlibiHeads(total, out);
        }

        private ModelConfig llama(String arch) {
            int hidden = requiredInt("hidden_size");
            int layers = requiredInt("num_hidden_layers");
            int heads = requiredInt("num_attention_heads");
            int intermediate = requiredInt("intermediate_size");
            int vocab = requiredInt("vocab_size");
            int kvHeads = optionalInt("num_key_value_heads", heads);
            if (options.position() == BlockOps.Position.ALIBI) throw new BadInputException(path, arch + " uses RoPE; it cannot be run with ALiBi");
            List<LayerShape> shapes = shapes(hidden, layers, heads, kvHeads, intermediate);

            boolean qwen2 = arch.equals("Qwen2ForCausalLM");
            boolean mistral = arch.equals("MistralForCausalLM");
            boolean attentionBias = !mistral && optionalBool("attention_bias", false);
            boolean mlpBias = !mistral && !qwen2 && optionalBool("mlp_bias", false);
            // Qwen2 always has q/k/v biases and never an o bias; Llama's attention_bias covers all four.
            boolean qkvBias = qwen2 || attentionBias;
            boolean oBias = !qwen2 && attentionBias;

            checkActivation();
            return new ModelConfig(arch, hidden, vocab,
                    context(arch, optionalInt("max_position_embeddings", 2048)), shapes,
                    (float) optionalDouble("rms_norm_eps", 1e-6),
                    (float) optionalDouble("rope_theta", 10000),
                    ropeScaling(),
                    optionalBool("tie_word_embeddings", false),
                    qkvBias, oBias, mlpBias, mlpBias,
                    tokenId("bos_token_id"), tokenId("eos_token_id"));
        }

        /** Per-layer shapes: the scalars, or Lopper's per-layer lists; head_dim given or hidden/heads. */
        private List<LayerShape> shapes(int hidden, int layers, int heads, int kvHeads, int intermediate) {
            if (root.hasNonNull("head_dim") && optionalInt("head_dim", 0) == 0)
                throw new BadInputException(path, "field 'head_dim' is 0, not a head size (leave it out for hidden_size / heads)");
            if (hidden == 0) throw new BadInputException(path, "field 'hidden_size' is 0, not a size");
            int headDim = optionalInt("head_dim", 0);
            if (headDim == 0) {
                if (heads == 0 || hidden % heads != 0) {
                    throw new BadInputException(path, "hidden_size " + hidden + " is not a multiple of num_attention_heads "
                            + heads + " and head_dim is not given");
                }
                headDim = hidden / heads;
            }
            List<Integer> headsPer = perLayer(HEADS_PER_LAYER, layers, heads);
            List<Integer> kvPer = perLayer(KV_HEADS_PER_LAYER, layers, kvHeads);
            List<Integer> ffnPer = perLayer(INTERMEDIATE_PER_LAYER, layers, intermediate);
            List<LayerShape> shapes = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                try {
                    shapes.add(new LayerShape(headsPer.get(i), kvPer.get(i), headDim, ffnPer.get(i)));
                } catch (IllegalArgumentException e) {
                    throw new BadInputException(path, "layer " + i + ": " + e.getMessage());
                }
            }
            return shapes;
        }

        /** Lopper's MLP is SwiGLU: gate activation silu (HF also calls it swish); anything else is another model. */
        private void checkActivation() {
            JsonNode act = root.get("hidden_act");
            if (act == null || act.isNull()) return;          // HF's default for these architectures is silu
            if (!act.isTextual() || !SILU.contains(act.asText())) {
                throw new BadInputException(path, "hidden_act " + act + " is not implemented (Lopper's MLP uses silu)");
            }
        }

        /**
         * The longest sequence Lopper runs as the config describes it. With an active sliding
         * window (Mistral: sliding_window set; Qwen2: also use_sliding_window, on any layer)
         * attention over at most {@code sliding_window} tokens equals full attention, so the
         * context is capped at the window and longer runs are refused by the context checks;
         * Lopper does not implement the sliding mask itself.
         */
        private int context(String arch, int maxPositions) {
            JsonNode w = root.get("sliding_window");
            if (w == null || w.isNull()) return maxPositions;
            int window = asInt("sliding_window", w);
            boolean active = !arch.equals("Qwen2ForCausalLM") || optionalBool("use_sliding_window", false);
            if (!active || window >= maxPositions) return maxPositions;
            if (window < 1) throw new BadInputException(path, "sliding_window is " + window + ", not a window");
            return window;
        }

        private String architecture() {
            JsonNode a = root.get("architectures");
            if (a == null || !a.isArray() || a.isEmpty()) throw missing("architectures");
            String arch = a.get(0).asText();
            if (HfLayout.Family.of(arch) == null) {
                throw new BadInputException(path, "architecture '" + arch + "' is not supported (Lopper reads "
                        + "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, BloomForCausalLM, BaichuanForCausalLM, "
                        + "BaiChuanForCausalLM)");
            }
            return arch;
        }

        private RopeScaling ropeScaling() {
            JsonNode r = root.get("rope_scaling");
            if (r == null || r.isNull()) return null;
            if (!r.isObject()) throw new BadInputException(path, "rope_scaling is not a JSON object");
            JsonNode typeNode = r.has("rope_type") ? r.get("rope_type") : r.get("type");
            String type = typeNode == null ? "" : typeNode.asText();
            return switch (type) {
                case "default" -> null;
                case "linear" -> new RopeScaling("linear", number(r, "factor"), 0, 0, 0);
                case "llama3" -> new RopeScaling("llama3", number(r, "factor"), number(r, "low_freq_factor"),
                        number(r, "high_freq_factor"), (int) number(r, "original_max_position_embeddings"));
                default -> throw new BadInputException(path, "rope_scaling type '" + type
                        + "' is not supported (Lopper supports llama3 and linear)");
            };
        }

        private double number(JsonNode obj, String field) {
            JsonNode n = obj.get(field);
            if (n == null || !n.isNumber()) throw missing("rope_scaling." + field);
            return n.asDouble();
        }

        private List<Integer> perLayer(String field, int layers, int scalar) {
            JsonNode list = root.get(field);
            List<Integer> out = new ArrayList<>();
            if (list == null || list.isNull()) {
                for (int i = 0; i < layers; i++) out.add(scalar);
                return out;
            }
            if (!list.isArray() || list.size() != layers) {
                throw new BadInputException(path, field + " must be a list of " + layers + " integers (one per layer)");
            }
            for (JsonNode n : list) {
                if (!n.isInt() || n.asInt() < 0) throw new BadInputException(path, field + " holds " + n + ", not a count");
                out.add(n.asInt());
            }
            return out;
        }

        private int tokenId(String field) {
            JsonNode n = root.get(field);
            if (n != null && n.isArray()) n = n.isEmpty() ? null : n.get(0);   // eos may be a list: take the first
            return n == null || !n.isInt() ? -1 : n.asInt();
        }

        private int requiredInt(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) throw missing(field);
            return asInt(field, n);
        }

        private int optionalInt(String field, int fallback) {
            JsonNode n = root.get(field);
            return n == null || n.isNull() ? fallback : asInt(field, n);
        }

        private int asInt(String field, JsonNode n) {
            if (!n.isInt() || n.asInt() < 0) throw new BadInputException(path, "field '" + field + "' is " + n + ", not a count");
            return n.asInt();
        }

        private double optionalDouble(String field, double fallback) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return fallback;
            if (!n.isNumber()) throw new BadInputException(path, "field '" + field + "' is " + n + ", not a number");
            // Every float field read here (rope_theta, rms_norm_eps, layer_norm_epsilon) is a positive scale.
            if (!(n.asDouble() > 0) || Double.isInfinite(n.asDouble()))
                throw new BadInputException(path, "field '" + field + "' is " + n + ", not a positive number");
            return n.asDouble();
        }

        private boolean optionalBool(String field, boolean fallback) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return fallback;
            if (!n.isBoolean()) throw new BadInputException(path, "field '" + field + "' is " + n + ", not true/false");
            return n.asBoolean();
        }

        private BadInputException missing(String field) {
            return new BadInputException(path, "missing field '" + field + "'");
        }
    }

    /**
     * Writes config.json. Biases follow HF's all-or-nothing flags: any attention bias means
     * attention_bias=true (the saver supplies zero tensors for the absent ones); same for mlp_bias.
     */
    public static void write(ModelConfig config, DType torchDtype, Path file) throws IOException {
        Files.writeString(file, toJson(config, torchDtype));
    }

    public static String toJson(ModelConfig c, DType torchDtype) {
        return switch (HfLayout.Family.of(c.architecture())) {
            case BLOOM -> bloomJson(c, torchDtype);
            case BAICHUAN -> baichuanJson(c, torchDtype);
            case LLAMA -> llamaJson(c, torchDtype);
        };
    }

    /** A BloomForCausalLM config; head_dim and intermediate_size (Lopper's) only where they differ from BLOOM's rule. */
    private static String bloomJson(ModelConfig c, DType torchDtype) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("BloomForCausalLM");
        o.put("model_type", "bloom");
        o.put("hidden_size", c.hiddenSize());
        o.put("n_layer", c.numLayers());
        o.put("n_head", max(c, LayerShape::heads));
        if (max(c, LayerShape::heads) * headDim(c) != c.hiddenSize()) o.put("head_dim", headDim(c));
        if (max(c, LayerShape::intermediate) != 4 * c.hiddenSize()) o.put("intermediate_size", max(c, LayerShape::intermediate));
        o.put("vocab_size", c.vocabSize());
        o.put("seq_length", c.maxPositions());
        o.put("layer_norm_epsilon", c.rmsNormEps());
        o.put("apply_residual_connection_post_layernorm", false);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        return finish(o, c, torchDtype);
    }

    /** A Baichuan config, with the position embedding Lopper used (its own field) and the NormHead flag. */
    private static String baichuanJson(ModelConfig c, DType torchDtype) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(c.architecture());
        o.put("model_type", "baichuan");
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", max(c, LayerShape::intermediate));
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_attention_heads", max(c, LayerShape::heads));
        if (max(c, LayerShape::heads) * headDim(c) != c.hiddenSize()) o.put("head_dim", headDim(c));
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("model_max_length", c.maxPositions());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("hidden_act", "silu");
        o.put(POSITION, c.ops().position().toString());
        if (c.ops().position() == BlockOps.Position.ROPE) {
            o.put("rope_theta", c.ropeTheta());
            writeRopeScaling(o, c.ropeScaling());
        }
        if (c.ops().normHead()) o.put("norm_head", true);     // the written lm_head is already normalised
        if (c.qkvBias() || c.oBias()) o.put("attention_bias", true);
        if (c.mlpBias() || c.downBias()) o.put("mlp_bias", true);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        return finish(o, c, torchDtype);
    }

    /** Token ids, dtype, Lopper's per-layer lists when layers differ and the kept ALiBi heads when pruned. */
    private static String finish(ObjectNode o, ModelConfig c, DType torchDtype) {
        if (c.bosTokenId() >= 0) o.put("bos_token_id", c.bosTokenId());
        if (c.eosTokenId() >= 0) o.put("eos_token_id", c.eosTokenId());
        o.put("use_cache", true);
        if (torchDtype != null) o.put("torch_dtype", torchDtype.torchName);
        perLayerLists(o, c);
        if (c.ops().position() == BlockOps.Position.ALIBI && !c.alibi().isDense()) {
            o.put(ALIBI_HEADS, c.alibi().total());
            ArrayNode all = o.putArray(ALIBI_HEADS_PER_LAYER);
            for (List<Integer> l : c.alibi().perLayer()) {
                ArrayNode a = all.addArray();
                l.forEach(a::add);
            }
        }
        return o.toPrettyString() + "\n";
    }

    private static void perLayerLists(ObjectNode o, ModelConfig c) {
        if (!c.uniform()) {
            // Lopper's extension for pruned models with uneven layers; the scalars above are maxima.
            perLayer(o.putArray(HEADS_PER_LAYER), c, LayerShape::heads);
            perLayer(o.putArray(KV_HEADS_PER_LAYER), c, LayerShape::kvHeads);
            perLayer(o.putArray(INTERMEDIATE_PER_LAYER), c, LayerShape::intermediate);
        }
    }

    private static String llamaJson(ModelConfig c, DType torchDtype) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("LlamaForCausalLM");
        o.put("model_type", "llama");
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", max(c, LayerShape::intermediate));
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_attention_heads", max(c, LayerShape::heads));
        o.put("num_key_value_heads", max(c, LayerShape::kvHeads));
        o.put("head_dim", headDim(c));
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("rope_theta", c.ropeTheta());
        writeRopeScaling(o, c.ropeScaling());
        o.put("hidden_act", "silu");
        o.put("attention_bias", c.qkvBias() || c.oBias());
        o.put("mlp_bias", c.mlpBias() || c.downBias());
        o.put("attention_dropout", 0.0);
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        if (c.bosTokenId() >= 0) o.put("bos_token_id", c.bosTokenId());
        if (c.eosTokenId() >= 0) o.put("eos_token_id", c.eosTokenId());
        o.put("initializer_range", 0.02);
        o.put("pretraining_tp", 1);
        o.put("use_cache", true);
        if (torchDtype != null) o.put("torch_dtype", torchDtype.torchName);
        perLayerLists(o, c);
        return o.toPrettyString() + "\n";
    }

    private static void writeRopeScaling(ObjectNode o, RopeScaling r) {
        if (r == null) {
            o.putNull("rope_scaling");
            return;
        }
        if (r.type().equals("freqs"))
            throw new dev.lopper.BadInputException("the model's rope scaling is per-pair frequency factors from a GGUF's "
                    + "rope_freqs.weight, which config.json's rope_scaling cannot express; export it as GGUF");
        ObjectNode s = o.putObject("rope_scaling");
        s.put("rope_type", r.type());
        s.put("type", r.type());   // older transformers read "type"
        s.put("factor", r.factor());
        if (r.type().equals("llama3")) {
            s.put("low_freq_factor", r.lowFreqFactor());
            s.put("high_freq_factor", r.highFreqFactor());
            s.put("original_max_position_embeddings", r.originalMaxPositions());
        }
    }

    private static int headDim(ModelConfig c) {
        if (c.numLayers() == 0) return c.hiddenSize();
        int d = c.layer(0).headDim();
        for (LayerShape s : c.layers()) {
            if (s.headDim() != d) throw new IllegalArgumentException("layers differ in head_dim; config.json has one");
        }
        return d;
    }

    private static int max(ModelConfig c, ToIntFunction<LayerShape> f) {
        return c.layers().stream().mapToInt(f).max().orElse(0);
    }

    private static void perLayer(ArrayNode out, ModelConfig c, ToIntFunction<LayerShape> f) {
        for (LayerShape s : c.layers()) out.add(f.applyAsInt(s));
    }
}
