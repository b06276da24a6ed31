package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.BadInputException;
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
 * Hugging Face config.json ↔ {@link ModelConfig}. Reads Llama, Mistral and Qwen2 configs, plus
 * Lopper's per-layer lists for pruned models whose layers differ. Writes a plain
 * LlamaForCausalLM config that {@code transformers} loads as is when all layers match.
 */
public final class HfConfig {
    public static final String FILE_NAME = "config.json";
    static final String HEADS_PER_LAYER = "num_attention_heads_per_layer";
    static final String KV_HEADS_PER_LAYER = "num_key_value_heads_per_layer";
    static final String INTERMEDIATE_PER_LAYER = "intermediate_size_per_layer";

    private static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");
    private static final Set<String> SILU = Set.of("silu", "swish");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfig() {}

    public static ModelConfig read(Path configJson) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            throw new BadInputException(configJson, "file not found");
        } catch (IOException e) {
            throw new BadInputException(configJson, "not valid JSON (" + dev.lopper.util.ErrorText.of(e) + ")", e);
        }
        if (root == null || !root.isObject()) throw new BadInputException(configJson, "not a JSON object");
        return new Reader(configJson, root).config();
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
    private record Reader(Path path, JsonNode root) {
        ModelConfig config() {
            String arch = architecture();
            int hidden = requiredInt("hidden_size");
            int layers = requiredInt("num_hidden_layers");
            int heads = requiredInt("num_attention_heads");
            int intermediate = requiredInt("intermediate_size");
            int vocab = requiredInt("vocab_size");
            int kvHeads = optionalInt("num_key_value_heads", heads);
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
            if (!ARCHITECTURES.contains(arch)) {
                throw new BadInputException(path, "architecture '" + arch
                        + "' is not supported (Lopper reads LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
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
        if (!c.uniform()) {
            // Lopper's extension for pruned models with uneven layers; the scalars above are maxima.
            perLayer(o.putArray(HEADS_PER_LAYER), c, LayerShape::heads);
            perLayer(o.putArray(KV_HEADS_PER_LAYER), c, LayerShape::kvHeads);
            perLayer(o.putArray(INTERMEDIATE_PER_LAYER), c, LayerShape::intermediate);
        }
        return o.toPrettyString() + "\n";
    }

    private static void writeRopeScaling(ObjectNode o, RopeScaling r) {
        if (r == null) {
            o.putNull("rope_scaling");
            return;
        }
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
