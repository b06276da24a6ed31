package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.BadInputException;
import dev.lopper.model.AlibiHeads;
import dev.lopper.model.BlockOps;
import dev.lopper.model.Family;
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
 * Hugging Face config.json ↔ {@link ModelConfig}. The architecture name picks the {@link Family},
 * which reads and writes its own fields (LLaMA, Mistral, Qwen2, BLOOM, Baichuan) through this
 * class's typed field access; this class adds Lopper's per-layer lists for pruned models whose
 * layers differ (and, for ALiBi models, which dense heads' slopes each layer kept). The written
 * config is of the model's own family, and {@code transformers} loads it as is when all layers
 * match and nothing HF cannot express was pruned (see docs/usage.md, "Families").
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

    /** Reads one config.json; holds the path so every error can name it. Its family reads its own fields. */
    private record Reader(Path path, JsonNode root, LoadOptions options) implements Family.ConfigFields {
        ModelConfig config() {
            String arch = architecture();
            return Family.ofArchitecture(arch).readConfig(arch, this);
        }

        @Override
        public BlockOps.Position positionOption() { return options.position(); }

        @Override
        public BlockOps.Position savedPosition() {
            if (!root.hasNonNull(POSITION)) return null;
            String name = root.get(POSITION).asText();
            BlockOps.Position p = dev.lopper.util.Choices.find(BlockOps.Position.class, name);
            if (p == null) throw new BadInputException(path, POSITION + " is '" + name + "', not rope or alibi");
            return p;
        }

        @Override
        public void noRopeScaling() {
            JsonNode r = root.get("rope_scaling");
            if (r != null && !r.isNull()) throw new BadInputException(path, "rope_scaling is set, but this model uses ALiBi, not RoPE");
        }

        /** The dense head count and the heads each layer kept (Lopper's fields), for ALiBi slopes. */
        @Override
        public AlibiHeads alibi(int heads, int layers) {
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

        /** Per-layer shapes: the scalars, or Lopper's per-layer lists; head_dim given or hidden/heads. */
        @Override
        public List<LayerShape> shapes(int hidden, int layers, int heads, int kvHeads, int intermediate) {
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
        @Override
        public void checkSilu() {
            JsonNode act = root.get("hidden_act");
            if (act == null || act.isNull()) return;          // HF's default for these architectures is silu
            if (!act.isTextual() || !SILU.contains(act.asText())) {
                throw new BadInputException(path, "hidden_act " + act + " is not implemented (Lopper's MLP uses silu)");
            }
        }

        private String architecture() {
            JsonNode a = root.get("architectures");
            if (a == null || !a.isArray() || a.isEmpty()) throw missing("architectures");
            String arch = a.get(0).asText();
            if (Family.ofArchitecture(arch) == null) {
                throw new BadInputException(path, "architecture '" + arch + "' is not supported (Lopper reads "
                        + String.join(", ", Family.allArchitectures()) + ")");
            }
            return arch;
        }

        @Override
        public RopeScaling ropeScaling() {
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

        @Override
        public int tokenId(String field) {
            JsonNode n = root.get(field);
            if (n != null && n.isArray()) n = n.isEmpty() ? null : n.get(0);   // eos may be a list: take the first
            return n == null || !n.isInt() ? -1 : n.asInt();
        }

        @Override
        public int requiredInt(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) throw missing(field);
            return asInt(field, n);
        }

        @Override
        public int optionalInt(String field, int fallback) {
            JsonNode n = root.get(field);
            return n == null || n.isNull() ? fallback : asInt(field, n);
        }

        private int asInt(String field, JsonNode n) {
            if (!n.isInt() || n.asInt() < 0) throw new BadInputException(path, "field '" + field + "' is " + n + ", not a count");
            return n.asInt();
        }

        @Override
        public double optionalDouble(String field, double fallback) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return fallback;
            if (!n.isNumber()) throw new BadInputException(path, "field '" + field + "' is " + n + ", not a number");
            // Every float field read here (rope_theta, rms_norm_eps, layer_norm_epsilon) is a positive scale.
            if (!(n.asDouble() > 0) || Double.isInfinite(n.asDouble()))
                throw new BadInputException(path, "field '" + field + "' is " + n + ", not a positive number");
            return n.asDouble();
        }

        /** Whether the field is in the file (even as null). */
        @Override
        public boolean has(String field) { return root.has(field); }

        @Override
        public BadInputException bad(String problem) { return new BadInputException(path, problem); }

        @Override
        public boolean optionalBool(String field, boolean fallback) {
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
        Out out = new Out(JSON.createObjectNode(), c, torchDtype);
        c.family().writeConfig(c, out);
        return out.o.toPrettyString() + "\n";
    }

    /** config.json being written: the family's fields in its order, then those every family ends with. */
    private record Out(ObjectNode o, ModelConfig c, DType torchDtype) implements Family.ConfigOut {
        public Out put(String field, int v) { o.put(field, v); return this; }

        public Out put(String field, float v) { o.put(field, v); return this; }

        public Out put(String field, double v) { o.put(field, v); return this; }

        public Out put(String field, boolean v) { o.put(field, v); return this; }

        public Out put(String field, String v) { o.put(field, v); return this; }

        public Out architectures(String name) { o.putArray("architectures").add(name); return this; }

        public Out ropeScaling(RopeScaling r) { writeRopeScaling(o, r); return this; }

        public Out position(BlockOps.Position p) { o.put(POSITION, p.toString()); return this; }

        public Out tokenIds() {
            if (c.bosTokenId() >= 0) o.put("bos_token_id", c.bosTokenId());
            if (c.eosTokenId() >= 0) o.put("eos_token_id", c.eosTokenId());
            return this;
        }

        /** Dtype, Lopper's per-layer lists when layers differ and the kept ALiBi heads when pruned. */
        public void finish() {
            o.put("use_cache", true);
            if (torchDtype != null) o.put("torch_dtype", torchDtype.torchName);
            if (!c.uniform()) {
                // Lopper's extension for pruned models with uneven layers; the scalars are maxima.
                perLayer(o.putArray(HEADS_PER_LAYER), c, LayerShape::heads);
                perLayer(o.putArray(KV_HEADS_PER_LAYER), c, LayerShape::kvHeads);
                perLayer(o.putArray(INTERMEDIATE_PER_LAYER), c, LayerShape::intermediate);
            }
            if (c.ops().position() == BlockOps.Position.ALIBI && !c.alibi().isDense()) {
                o.put(ALIBI_HEADS, c.alibi().total());
                ArrayNode all = o.putArray(ALIBI_HEADS_PER_LAYER);
                for (List<Integer> l : c.alibi().perLayer()) {
                    ArrayNode a = all.addArray();
                    l.forEach(a::add);
                }
            }
        }

        public int headDim() {
            if (c.numLayers() == 0) return c.hiddenSize();
            int d = c.layer(0).headDim();
            for (LayerShape s : c.layers()) {
                if (s.headDim() != d) throw new IllegalArgumentException("layers differ in head_dim; config.json has one");
            }
            return d;
        }

        public int max(ToIntFunction<LayerShape> f) {
            return c.layers().stream().mapToInt(f).max().orElse(0);
        }
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

    private static void perLayer(ArrayNode out, ModelConfig c, ToIntFunction<LayerShape> f) {
        for (LayerShape s : c.layers()) out.add(f.applyAsInt(s));
    }
}
