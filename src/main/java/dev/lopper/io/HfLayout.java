package dev.lopper.io;

import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How each family's HF checkpoints name and pack Lopper's tensors: the one table per family that
 * loading, saving (and GGUF export) read. A HF tensor holds one Lopper tensor, or several packed
 * along its rows (a vector's entries): Baichuan's W_pack is q, k, v one after the other; BLOOM's
 * query_key_value interleaves them per head ([q_h; k_h; v_h] for h = 0, 1, ...).
 */
public final class HfLayout {
    private HfLayout() {}

    /** The families Lopper reads; several HF architecture names may share one. */
    public enum Family {
        /** LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM */
        LLAMA,
        /** BloomForCausalLM */
        BLOOM,
        /** BaichuanForCausalLM (Baichuan-13B, Baichuan 2), BaiChuanForCausalLM (Baichuan-7B) */
        BAICHUAN;

        /** The family of a HF architecture name, or null when Lopper does not read it. */
        public static Family of(String architecture) {
            return switch (architecture) {
                case "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM" -> LLAMA;
                case "BloomForCausalLM" -> BLOOM;
                case "BaichuanForCausalLM", "BaiChuanForCausalLM" -> BAICHUAN;
                default -> null;
            };
        }
    }

    /** How the parts of a packed tensor are laid out along its rows. */
    public enum Packing {
        /** one Lopper tensor */
        NONE,
        /** the parts one after the other (Baichuan W_pack) */
        CONCAT,
        /** per head, one head's rows of each part in turn (BLOOM query_key_value) */
        PER_HEAD
    }

    /**
     * One tensor of a HF checkpoint: its name, layer (-1 for global ones), the Lopper tensors it
     * holds in order and how they are packed.
     */
    public record Entry(String name, int layer, List<Param> parts, Packing packing) {
        public boolean vector() { return parts.getFirst().vector(); }

        /** Its shape in the file for the config's shapes (1-D for norms and biases). */
        public List<Long> shape(ModelConfig c) {
            LayerShape s = layer < 0 ? null : c.layer(layer);
            long n = 0;
            for (Param p : parts) n += p.vector() ? p.cols(c, s) : p.rows(c, s);
            Param first = parts.getFirst();
            return first.vector() ? List.of(n) : List.of(n, (long) first.cols(c, s));
        }

        /**
         * For each part, the rows of the packed tensor (the entries of a packed vector) that it
         * takes, in order.
         */
        public int[][] split(ModelConfig c) {
            LayerShape s = layer < 0 ? null : c.layer(layer);
            int[][] idx = new int[parts.size()][];
            int[] len = new int[parts.size()];
            for (int i = 0; i < len.length; i++) {
                Param p = parts.get(i);
                len[i] = p.vector() ? p.cols(c, s) : p.rows(c, s);
                idx[i] = new int[len[i]];
            }
            if (packing != Packing.PER_HEAD) {
                int off = 0;
                for (int i = 0; i < len.length; i++) {
                    for (int r = 0; r < len[i]; r++) idx[i][r] = off + r;
                    off += len[i];
                }
                return idx;
            }
            int d = s.headDim(), heads = s.heads(), row = 0;
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < len.length; i++) {
                    for (int t = 0; t < d; t++) idx[i][h * d + t] = row++;
                }
            }
            return idx;
        }
    }

    /**
     * The HF tensors of a model of config {@code c} in file order: global ones first, then each
     * layer's, then the final norm and LM head. BLOOM names carry {@code prefix} ("transformer."
     * or "").
     */
    public static List<Entry> entries(ModelConfig c, String prefix) {
        Family f = Family.of(c.architecture());
        List<Entry> out = new ArrayList<>();
        for (Param p : List.of(Param.EMBED, Param.EMBED_NORM, Param.EMBED_NORM_BIAS)) add(out, f, c, p, -1, prefix);
        for (int l = 0; l < c.numLayers(); l++) {
            Map<String, List<Param>> packed = new LinkedHashMap<>();
            for (Param p : c.layerParams()) packed.computeIfAbsent(name(f, p, l, prefix), k -> new ArrayList<>()).add(p);
            for (Map.Entry<String, List<Param>> e : packed.entrySet()) {
                List<Param> parts = e.getValue();
                Packing packing = parts.size() == 1 ? Packing.NONE : f == Family.BLOOM ? Packing.PER_HEAD : Packing.CONCAT;
                out.add(new Entry(e.getKey(), l, List.copyOf(parts), packing));
            }
        }
        for (Param p : List.of(Param.FINAL_NORM, Param.FINAL_NORM_BIAS, Param.LM_HEAD)) add(out, f, c, p, -1, prefix);
        return out;
    }

    private static void add(List<Entry> out, Family f, ModelConfig c, Param p, int layer, String prefix) {
        if (c.has(p)) out.add(new Entry(name(f, p, layer, prefix), layer, List.of(p), Packing.NONE));
    }

    /** The HF name of the tensor that holds {@code p} in layer {@code layer}. */
    static String name(Family f, Param p, int layer, String prefix) {
        return switch (f) {
            case LLAMA -> p.tensorName(layer);
            case BAICHUAN -> switch (p) {
                case Q, K, V, BQ, BK, BV -> "model.layers." + layer + ".self_attn.W_pack." + (p.vector() ? "bias" : "weight");
                default -> p.tensorName(layer);
            };
            case BLOOM -> p == Param.LM_HEAD ? "lm_head.weight" : prefix + bloom(p, layer);
        };
    }

    private static String bloom(Param p, int layer) {
        String l = "h." + layer + ".";
        return switch (p) {
            case EMBED -> "word_embeddings.weight";
            case EMBED_NORM -> "word_embeddings_layernorm.weight";
            case EMBED_NORM_BIAS -> "word_embeddings_layernorm.bias";
            case FINAL_NORM -> "ln_f.weight";
            case FINAL_NORM_BIAS -> "ln_f.bias";
            case ATTN_NORM -> l + "input_layernorm.weight";
            case ATTN_NORM_BIAS -> l + "input_layernorm.bias";
            case Q, K, V -> l + "self_attention.query_key_value.weight";
            case BQ, BK, BV -> l + "self_attention.query_key_value.bias";
            case O -> l + "self_attention.dense.weight";
            case BO -> l + "self_attention.dense.bias";
            case MLP_NORM -> l + "post_attention_layernorm.weight";
            case MLP_NORM_BIAS -> l + "post_attention_layernorm.bias";
            case UP -> l + "mlp.dense_h_to_4h.weight";
            case BUP -> l + "mlp.dense_h_to_4h.bias";
            case DOWN -> l + "mlp.dense_4h_to_h.weight";
            case BDOWN -> l + "mlp.dense_4h_to_h.bias";
            case LM_HEAD -> "lm_head.weight";
            case GATE, BGATE -> throw new IllegalArgumentException("BLOOM's MLP has no gate");
        };
    }
}
