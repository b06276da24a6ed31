package dev.lopper.model;

import dev.lopper.BadInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * A model family: everything that differs between LLaMA, BLOOM and Baichuan checkpoints lives in
 * one class per family ({@link LlamaFamily}, {@link BloomFamily}, {@link BaichuanFamily}):
 * <ul>
 *   <li>its HF architecture names, and how it reads and writes its config.json fields (through
 *       {@link ConfigFields} and {@link ConfigOut}, which {@code io.HfConfig} implements with the
 *       fields every family shares and Lopper's own per-layer lists);</li>
 *   <li>its HF tensor names ({@link #hfName}) and how tensors sharing a name are packed;</li>
 *   <li>its llama.cpp (GGUF) architectures and tensor names, and, for the ALiBi families, the
 *       llama.cpp graph that computes them ({@link GgufAlibiGraph});</li>
 *   <li>its block operations ({@link #ops()}: norm, positions, MLP), which {@link Transformer}
 *       dispatches on.</li>
 * </ul>
 * {@link ModelConfig} carries its family. Adding a family is one new class here plus its entry
 * in {@link #ALL} (and the {@code permits} clause), and its tests; see docs/ARCHITECTURE.md.
 */
public sealed interface Family permits LlamaFamily, BloomFamily, BaichuanFamily {
    Family LLAMA = new LlamaFamily();
    Family BLOOM = new BloomFamily();
    Family BAICHUAN = new BaichuanFamily();

    /** Every family Lopper reads, in the order error messages list them. */
    List<Family> ALL = List.of(LLAMA, BLOOM, BAICHUAN);

    /** The family's name in messages (LLaMA, BLOOM, Baichuan). */
    String name();

    /** The block operations of a dense model of this family as its HF config describes it by default. */
    BlockOps ops();

    // ---- HF config.json

    /** The HF architecture names ({@code architectures[0]}) this family reads; the first is the one it writes by default. */
    List<String> architectures();

    /** A config of this family from config.json's fields; {@code architecture} is one of {@link #architectures()}. */
    ModelConfig readConfig(String architecture, ConfigFields fields);

    /** Writes config.json's fields of {@code c} (a config of this family) in the family's own names. */
    void writeConfig(ModelConfig c, ConfigOut out);

    /**
     * How the model's position embedding was chosen, in words, where no config field says
     * (Baichuan); null where the architecture fixes it.
     */
    default String positionRule(String architecture) { return null; }

    // ---- HF tensors

    /**
     * The HF name of the tensor holding {@code p} in layer {@code layer} (-1 for global tensors);
     * {@code prefix} is one of {@link #hfPrefixes()}. Parts of one packed tensor share its name.
     */
    default String hfName(Param p, int layer, String prefix) { return p.tensorName(layer); }

    /** How parts that share one HF tensor name are packed along its rows (NONE where none share). */
    default Packing hfPacking() { return Packing.NONE; }

    /**
     * The prefixes the family's HF checkpoints put before the names (BLOOM's "transformer." or
     * none); the first is written, and read when its embeddings are in the file.
     */
    default List<String> hfPrefixes() { return List.of(""); }

    /** A pattern whose group 1 is the layer index of a per-layer HF tensor name of this family. */
    default Pattern hfLayerTensor() { return Pattern.compile("model\\.layers\\.(\\d+)\\..*"); }

    /** How the parts of a packed tensor are laid out along its rows. */
    enum Packing {
        /** one Lopper tensor */
        NONE,
        /** the parts one after the other (Baichuan W_pack) */
        CONCAT,
        /** per head, one head's rows of each part in turn (BLOOM query_key_value) */
        PER_HEAD
    }

    // ---- GGUF (llama.cpp)

    /** The GGUF {@code general.architecture} values this family is read from. */
    List<String> ggufArchitectures();

    /** The GGUF name of {@code p} in layer {@code layer} (llama-arch.cpp's LLM_TENSOR names). */
    default String ggufName(Param p, int layer) { return ggufStandardName(p, layer); }

    /** Whether {@code p} is one part of a packed GGUF tensor (BLOOM's attn_qkv: the parts one after the other). */
    default boolean ggufPacked(Param p) { return false; }

    /** llama.cpp's ALiBi graph for this family, or null (the family runs on the llama/deci graphs). */
    default GgufAlibiGraph ggufAlibiGraph() { return null; }

    /**
     * One of llama.cpp's ALiBi graphs (bloom, baichuan) and what it computes.
     *
     * @param architecture the GGUF architecture name
     * @param ops          the block ops the graph computes (a model with others is not exported to it)
     * @param qkRopeOrder  q/k rows are stored in llama.cpp's RoPE pair order (as its converter writes
     *                     a RoPE family's tensors, though ALiBi attention does not see the order), and
     *                     the graph reads {@code rope.dimension_count}
     * @param allBiases    the graph has every bias (BLOOM); else only optional q/k/v biases, and
     *                     o/MLP biases are refused
     * @param alwaysOutput the graph always reads {@code output.weight}, tied or not
     * @param layers       the only layer count at which the graph applies ALiBi (0: any)
     * @param defaultEps   the norm epsilon when the file has none
     */
    record GgufAlibiGraph(String architecture, BlockOps ops, boolean qkRopeOrder, boolean allBiases,
                          boolean alwaysOutput, int layers, double defaultEps) {}

    // ---- lookups

    /** The family of a HF architecture name, or null when Lopper reads none. */
    static Family ofArchitecture(String architecture) {
        for (Family f : ALL) if (f.architectures().contains(architecture)) return f;
        return null;
    }

    /** The family of a GGUF architecture name, or null when Lopper reads none. */
    static Family ofGguf(String architecture) {
        for (Family f : ALL) if (f.ggufArchitectures().contains(architecture)) return f;
        return null;
    }

    /** Every HF architecture name Lopper reads, in the order of {@link #ALL}. */
    static List<String> allArchitectures() {
        List<String> out = new ArrayList<>();
        for (Family f : ALL) out.addAll(f.architectures());
        return out;
    }

    /** Every GGUF architecture name Lopper reads, in the order of {@link #ALL}. */
    static List<String> allGguf() {
        List<String> out = new ArrayList<>();
        for (Family f : ALL) out.addAll(f.ggufArchitectures());
        return out;
    }

    /** llama.cpp's name of {@code p} in its standard (unpacked) layout. */
    static String ggufStandardName(Param p, int layer) {
        String b = "blk." + layer + ".";
        return switch (p) {
            case EMBED -> "token_embd.weight";
            case EMBED_NORM -> "token_embd_norm.weight";
            case EMBED_NORM_BIAS -> "token_embd_norm.bias";
            case FINAL_NORM -> "output_norm.weight";
            case FINAL_NORM_BIAS -> "output_norm.bias";
            case LM_HEAD -> "output.weight";
            case ATTN_NORM -> b + "attn_norm.weight";
            case ATTN_NORM_BIAS -> b + "attn_norm.bias";
            case Q -> b + "attn_q.weight";
            case K -> b + "attn_k.weight";
            case V -> b + "attn_v.weight";
            case O -> b + "attn_output.weight";
            case BQ -> b + "attn_q.bias";
            case BK -> b + "attn_k.bias";
            case BV -> b + "attn_v.bias";
            case BO -> b + "attn_output.bias";
            case MLP_NORM -> b + "ffn_norm.weight";
            case MLP_NORM_BIAS -> b + "ffn_norm.bias";
            case GATE -> b + "ffn_gate.weight";
            case UP -> b + "ffn_up.weight";
            case DOWN -> b + "ffn_down.weight";
            case BGATE -> b + "ffn_gate.bias";
            case BUP -> b + "ffn_up.bias";
            case BDOWN -> b + "ffn_down.bias";
        };
    }

    /**
     * The fields of one config.json, as a family reads them: typed reads that name the file and
     * field in their errors, and the parts all families read alike. Implemented by {@code io.HfConfig}.
     */
    interface ConfigFields {
        int requiredInt(String field);

        int optionalInt(String field, int fallback);

        /** A positive finite number (every float field read is a scale: epsilons, RoPE bases). */
        double optionalDouble(String field, double fallback);

        boolean optionalBool(String field, boolean fallback);

        /** Whether the field is present and not null. */
        boolean has(String field);

        /** The first of a token id field (it may be a list), or -1. */
        int tokenId(String field);

        /** Bad input naming the config file. */
        BadInputException bad(String problem);

        /** The position embedding the user asked for when loading (--position), or null. */
        BlockOps.Position positionOption();

        /** The position embedding Lopper saved in the config (its own field), or null. */
        BlockOps.Position savedPosition();

        /** Per-layer shapes: the scalars, or Lopper's per-layer lists; head_dim given or hidden / heads. */
        List<LayerShape> shapes(int hidden, int layers, int heads, int kvHeads, int intermediate);

        /** rope_scaling (llama3, linear), or null. */
        RopeScaling ropeScaling();

        /** Refuses a rope_scaling on an ALiBi model. */
        void noRopeScaling();

        /** The dense ALiBi head count and the heads each layer kept (Lopper's fields). */
        AlibiHeads alibi(int heads, int layers);

        /** Refuses a hidden_act other than silu (the SwiGLU families). */
        void checkSilu();
    }

    /**
     * config.json being written, in field order. Implemented by {@code io.HfConfig}, which also
     * knows the fields every family ends with (token ids, dtype, Lopper's per-layer lists).
     */
    interface ConfigOut {
        ConfigOut put(String field, int value);

        ConfigOut put(String field, float value);

        ConfigOut put(String field, double value);

        ConfigOut put(String field, boolean value);

        ConfigOut put(String field, String value);

        /** {@code "architectures": [name]} */
        ConfigOut architectures(String name);

        /** rope_scaling as HF writes it (null when none). */
        ConfigOut ropeScaling(RopeScaling r);

        /** Lopper's position_embedding field (for families where no HF field says). */
        ConfigOut position(BlockOps.Position p);

        /** bos_token_id and eos_token_id, where the model has them. */
        ConfigOut tokenIds();

        /** use_cache, torch_dtype, and Lopper's per-layer lists and kept ALiBi heads where needed. */
        void finish();

        /** The one head size of the config (config.json has one). */
        int headDim();

        /** The largest value of {@code f} over the layers (config.json's scalars for uneven layers). */
        int max(ToIntFunction<LayerShape> f);
    }
}
