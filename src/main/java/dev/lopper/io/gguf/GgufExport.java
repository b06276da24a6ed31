package dev.lopper.io.gguf;

import dev.lopper.BadInputException;
import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.model.RopeScaling;
import dev.lopper.tensor.Matrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@link LlamaModel} as a GGUF file llama.cpp runs: {@code llama} when every layer has the same
 * shape, else {@code deci} with per-layer head counts and MLP widths (see {@link GgufLayout});
 * BLOOM and ALiBi Baichuan as {@code bloom} and {@code baichuan} ({@link GgufAlibiExport}).
 * Weights are stored in the chosen type (norms, biases and stand-in blocks stay F32); q and k rows
 * are reordered from HF's rotate-half RoPE layout to llama.cpp's adjacent pairs.
 */
public final class GgufExport {
    private GgufExport() {}

    /** llama.cpp's per-pair RoPE frequency divisors (Llama 3.1 scaling). */
    static final String ROPE_FREQS = "rope_freqs.weight";

    /** Lopper's keys for Llama 3 rope scaling (the parameters behind rope_freqs.weight). */
    static final String LLAMA3_FACTOR = "lopper.rope.llama3.factor", LLAMA3_LOW = "lopper.rope.llama3.low_freq_factor",
            LLAMA3_HIGH = "lopper.rope.llama3.high_freq_factor", LLAMA3_ORIGINAL = "lopper.rope.llama3.original_context_length";

    /** Export choices: the element type of the weight matrices and the model's name. */
    public record Options(GgmlType dtype, String name) {
        public Options {
            if (dtype != GgmlType.F32 && dtype != GgmlType.F16 && dtype != GgmlType.BF16 && dtype != GgmlType.Q8_0)
                throw new dev.lopper.BadInputException("export supports f32, f16, bf16 and q8_0, not " + dtype);
        }
    }

    /** Writes {@code out}; {@code tokenizer} is the tokenizer metadata ({@link GgufTokenizerMetadata}). */
    public static GgufLayout write(LlamaModel model, Map<String, GgufValue> tokenizer, Options options, Path out) {
        // The llama/deci graphs are RMSNorm + RoPE + SwiGLU. Baichuan-7B and Baichuan 2 with RoPE are that
        // function (W_pack is split on load, NormHead applied to the weights on load); BLOOM and ALiBi
        // Baichuan go to llama.cpp's bloom and baichuan graphs.
        Family.GgufAlibiGraph alibi = GgufAlibiExport.graph(model.config());
        if (alibi != null) return GgufAlibiExport.write(model, alibi, tokenizer, options, out);
        dev.lopper.model.BlockOps ops = model.config().ops();
        if (!ops.withNormHead(false).equals(Family.LLAMA.ops()))
            throw new dev.lopper.BadInputException("GGUF export writes llama.cpp's llama/deci, bloom and baichuan "
                    + "architectures; " + model.config().architecture() + " here uses " + ops.norm()
                    + " norms, " + ops.position() + " positions and a " + ops.mlp()
                    + " MLP, which none of them computes");
        GgufLayout layout = GgufLayout.of(model);
        List<GgufWriter.TensorSpec> tensors = tensors(model, layout, options.dtype());
        Map<String, GgufValue> meta = metadata(model, layout, options);
        meta.putAll(tokenizer);
        GgufWriter.write(out, meta, tensors);
        return layout;
    }

    /** ggml's general.file_type for a model mostly stored as {@code dtype}. */
    static int fileType(GgmlType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }

    static Map<String, GgufValue> metadata(LlamaModel model, GgufLayout layout, Options options) {
        ModelConfig c = model.config();
        String a = layout.architecture();
        Map<String, GgufValue> m = general(model, a, options);
        int n = c.numLayers();
        int[] heads = new int[n], kv = new int[n], ff = new int[n];
        for (int l = 0; l < n; l++) {
            heads[l] = layout.layer(l).heads();
            kv[l] = layout.layer(l).kvHeads();
            ff[l] = layout.layer(l).ff();
        }
        boolean perLayer = layout.perLayer();
        m.put(a + ".feed_forward_length", perLayer ? GgufValue.i32s(ff) : GgufValue.u32(ff[0]));
        m.put(a + ".attention.head_count", perLayer ? GgufValue.i32s(heads) : GgufValue.u32(heads[0]));
        m.put(a + ".attention.head_count_kv", perLayer ? GgufValue.i32s(kv) : GgufValue.u32(kv[0]));
        m.put(a + ".attention.key_length", GgufValue.u32(layout.headDim()));
        m.put(a + ".attention.value_length", GgufValue.u32(layout.headDim()));
        m.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.f32(c.rmsNormEps()));
        m.put(a + ".rope.dimension_count", GgufValue.u32(layout.headDim()));
        m.put(a + ".rope.freq_base", GgufValue.f32(c.ropeTheta()));
        RopeScaling rs = c.ropeScaling();
        if (rs != null && rs.type().equals("linear")) {
            m.put(a + ".rope.scaling.type", GgufValue.string("linear"));
            m.put(a + ".rope.scaling.factor", GgufValue.f32(rs.factor()));
        }
        if (rs != null && rs.type().equals("llama3")) {
            // llama.cpp reads only rope_freqs.weight; these let Lopper's reader rebuild the exact scaling
            m.put(LLAMA3_FACTOR, GgufValue.f64(rs.factor()));
            m.put(LLAMA3_LOW, GgufValue.f64(rs.lowFreqFactor()));
            m.put(LLAMA3_HIGH, GgufValue.f64(rs.highFreqFactor()));
            m.put(LLAMA3_ORIGINAL, GgufValue.u32(rs.originalMaxPositions()));
        }
        return m;
    }

    /**
     * The keys every architecture has: general.*, context and embedding length, block count,
     * vocabulary size, and the model's own special ids (the tokenizer's metadata, written after,
     * has the last word).
     */
    static Map<String, GgufValue> general(LlamaModel model, String a, Options options) {
        ModelConfig c = model.config();
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string(a));
        m.put("general.name", GgufValue.string(options.name()));
        m.put("general.alignment", GgufValue.u32(GgufWriter.ALIGNMENT));
        m.put("general.file_type", GgufValue.u32(fileType(options.dtype())));
        m.put(a + ".context_length", GgufValue.u32(c.maxPositions()));
        m.put(a + ".embedding_length", GgufValue.u32(c.hiddenSize()));
        m.put(a + ".block_count", GgufValue.u32(c.numLayers()));
        m.put(a + ".vocab_size", GgufValue.u32(c.vocabSize()));
        if (c.bosTokenId() >= 0) m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(c.bosTokenId()));
        if (c.eosTokenId() >= 0) m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(c.eosTokenId()));
        return m;
    }

    /** A weight matrix in the export type, or a vector (norm, bias) in F32. */
    static GgufWriter.TensorSpec tensor(String name, GgufWriter.RowSource rows, boolean vector, GgmlType dtype) {
        return vector ? vector(name, rows) : weight(name, rows, dtype);
    }

    static List<GgufWriter.TensorSpec> tensors(LlamaModel model, GgufLayout layout, GgmlType dtype) {
        ModelConfig c = model.config();
        int h = c.hiddenSize(), d = layout.headDim();
        Family family = c.family();
        List<GgufWriter.TensorSpec> t = new ArrayList<>();
        t.add(weight(family.ggufName(Param.EMBED, -1), Rows.of(model.embed()), dtype));
        RopeScaling rs = c.ropeScaling();
        if (rs != null && rs.type().equals("llama3"))
            t.add(vector(ROPE_FREQS, Rows.of(llama3FreqFactors(rs, d, c.ropeTheta()))));
        else if (rs != null && rs.type().equals("freqs"))
            t.add(vector(ROPE_FREQS, Rows.of(rs.freqFactors())));
        else if (rs != null && !rs.type().equals("linear"))
            throw new BadInputException("rope_scaling type " + rs.type() + " has no GGUF export");
        // The weight matrices are fetched when the writer reaches them (Rows.layer) and their mapped
        // pages dropped once written; norms and biases (one row each) are taken here.
        for (int l = 0; l < c.numLayers(); l++) {
            LayerShape s = c.layer(l);
            LayerWeights w = model.layer(l);
            int layer = l;
            Function<Param, String> name = p -> family.ggufName(p, layer);
            GgufLayout.LayerPlan plan = layout.layer(l);
            if (plan.zeroHead()) {
                t.add(vector(name.apply(Param.ATTN_NORM), Rows.of(w.attnNorm())));
                t.add(spec(name.apply(Param.Q), Rows.zeros(d, h), GgmlType.F32, 2));
                t.add(spec(name.apply(Param.K), Rows.zeros(d, h), GgmlType.F32, 2));
                t.add(spec(name.apply(Param.V), Rows.zeros(d, h), GgmlType.F32, 2));
                t.add(spec(name.apply(Param.O), Rows.zeros(h, d), GgmlType.F32, 2));
                if (nonZero(w.bo())) t.add(vector(name.apply(Param.BO), Rows.of(w.bo())));
            } else if (plan.heads() > 0) {
                t.add(vector(name.apply(Param.ATTN_NORM), Rows.of(w.attnNorm())));
                t.add(weight(name.apply(Param.Q), Rows.layer(model, l, Param.Q, d), dtype));
                t.add(weight(name.apply(Param.K), Rows.layer(model, l, Param.K, d), dtype));
                t.add(weight(name.apply(Param.V), Rows.layer(model, l, Param.V, 0), dtype));
                t.add(weight(name.apply(Param.O), Rows.layer(model, l, Param.O, 0), dtype));
                if (nonZero(w.bq())) t.add(vector(name.apply(Param.BQ), Rows.ropePermuted(w.bq(), d)));
                if (nonZero(w.bk())) t.add(vector(name.apply(Param.BK), Rows.ropePermuted(w.bk(), d)));
                if (nonZero(w.bv())) t.add(vector(name.apply(Param.BV), Rows.of(w.bv())));
                if (nonZero(w.bo())) t.add(vector(name.apply(Param.BO), Rows.of(w.bo())));
            }
            if (plan.zeroChannel()) {
                t.add(vector(name.apply(Param.MLP_NORM), Rows.of(w.mlpNorm())));
                t.add(spec(name.apply(Param.GATE), Rows.zeros(1, h), GgmlType.F32, 2));
                t.add(spec(name.apply(Param.UP), Rows.zeros(1, h), GgmlType.F32, 2));
                t.add(spec(name.apply(Param.DOWN), Rows.zeros(h, 1), GgmlType.F32, 2));
                if (nonZero(w.bDown())) t.add(vector(name.apply(Param.BDOWN), Rows.of(w.bDown())));
            } else if (plan.ff() > 0) {
                if (dtype == GgmlType.Q8_0 && s.intermediate() % GgmlType.Q8_0.blockSize != 0)
                    throw new BadInputException("layer " + l + " has MLP width " + s.intermediate()
                            + ", not a multiple of 32, so ffn_down's rows are not whole Q8_0 blocks;"
                            + " prune with --round-to 32 (or export f16/bf16/f32)");
                t.add(vector(name.apply(Param.MLP_NORM), Rows.of(w.mlpNorm())));
                t.add(weight(name.apply(Param.GATE), Rows.layer(model, l, Param.GATE, 0), dtype));
                t.add(weight(name.apply(Param.UP), Rows.layer(model, l, Param.UP, 0), dtype));
                t.add(weight(name.apply(Param.DOWN), Rows.layer(model, l, Param.DOWN, 0), dtype));
                if (nonZero(w.bGate())) t.add(vector(name.apply(Param.BGATE), Rows.of(w.bGate())));
                if (nonZero(w.bUp())) t.add(vector(name.apply(Param.BUP), Rows.of(w.bUp())));
                if (nonZero(w.bDown())) t.add(vector(name.apply(Param.BDOWN), Rows.of(w.bDown())));
            }
        }
        t.add(vector(family.ggufName(Param.FINAL_NORM, -1), Rows.of(model.finalNorm())));
        if (!c.tieWordEmbeddings()) t.add(weight(family.ggufName(Param.LM_HEAD, -1), Rows.of(model.lmHead()), dtype));
        return t;
    }

    /**
     * Whether a bias exists and is not all zeros. HF folders store a whole block's biases or none,
     * so FLAP's compensated o_proj bias comes with zero q/k/v biases; zeros are not written.
     */
    static boolean nonZero(Matrix bias) {
        if (bias == null) return false;
        for (long i = 0; i < bias.size(); i++) if (bias.getFlat(i) != 0f) return true;
        return false;
    }

    /** A weight matrix in the export type; Q8_0 needs rows of whole 32-value blocks. */
    private static GgufWriter.TensorSpec weight(String name, GgufWriter.RowSource rows, GgmlType dtype) {
        if (dtype == GgmlType.Q8_0 && rows.cols() % GgmlType.Q8_0.blockSize != 0)
            throw new BadInputException(name + " has rows of " + rows.cols()
                    + " values, not a multiple of 32, so it cannot be stored as Q8_0 (export f16/bf16/f32)");
        return spec(name, rows, dtype, 2);
    }

    /** Norms and biases: always F32 (as llama.cpp's converter keeps 1-D tensors). */
    private static GgufWriter.TensorSpec vector(String name, GgufWriter.RowSource rows) {
        return spec(name, rows, GgmlType.F32, 1);
    }

    private static GgufWriter.TensorSpec spec(String name, GgufWriter.RowSource rows, GgmlType type, int dims) {
        long[] ne = dims == 1 ? new long[]{(long) rows.cols() * rows.rows()} : new long[]{rows.cols(), rows.rows()};
        return new GgufWriter.TensorSpec(name, ne, type, rows);
    }

    /**
     * llama.cpp applies Llama 3 frequency scaling through a rope_freqs tensor: one divisor per
     * rotated pair (1 for high frequencies, factor for low ones, smoothly in between), the same
     * inverse frequencies as {@code model.Rope}'s llama3 scaling.
     */
    static float[] llama3FreqFactors(RopeScaling s, int headDim, double theta) {
        float[] f = new float[headDim / 2];
        double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
        for (int i = 0; i < f.length; i++) {
            double freq = 1.0 / Math.pow(theta, 2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) f[i] = 1f;
            else if (wavelen > lowWavelen) f[i] = (float) s.factor();
            else {
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                f[i] = (float) (1.0 / ((1 - smooth) / s.factor() + smooth));
            }
        }
        return f;
    }

    /** Row sources over Lopper's matrices. */
    static final class Rows {
        private Rows() {}

        static GgufWriter.RowSource of(Matrix m) {
            return new Permuted(m, null);
        }

        /**
         * Weight {@code p} of layer {@code l}, taken from the model only when the writer reaches
         * it (a lazily cut layer is built then, one layer at a time) and let go, its mapped pages
         * dropped, once written; q and k ({@code ropeHeadDim} > 0) in llama.cpp's RoPE order.
         */
        static GgufWriter.RowSource layer(LlamaModel model, int l, Param p, int ropeHeadDim) {
            ModelConfig c = model.config();
            LayerShape s = c.layer(l);
            int rows = p.rows(c, s);
            int[] order = null;
            if (ropeHeadDim > 0) {
                order = new int[rows];
                for (int r = 0; r < rows; r++) order[r] = hfIndexOfLlamaCpp(r, ropeHeadDim);
            }
            return new LayerRows(model, l, p, rows, p.cols(c, s), order);
        }

        static GgufWriter.RowSource of(float[] v) {
            return of(Matrix.wrap(v, 1, v.length));
        }

        /**
         * q or k (weights [heads·d, in], or a bias 1×heads·d) in llama.cpp's RoPE order: within a
         * head, HF rotates element i with i + d/2, llama.cpp element 2i with 2i + 1; so written
         * row 2i + t of a head is HF row t·d/2 + i.
         */
        static GgufWriter.RowSource ropePermuted(Matrix m, int d) {
            if (m.rows() == 1) return new Permuted(Matrix.wrap(permute(m.toFloats(), d), 1, m.cols()), null);
            int[] order = new int[m.rows()];
            for (int r = 0; r < order.length; r++) order[r] = hfIndexOfLlamaCpp(r, d);
            return new Permuted(m, order);
        }

        static float[] permute(float[] v, int d) {
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) out[i] = v[hfIndexOfLlamaCpp(i, d)];
            return out;
        }

        static GgufWriter.RowSource zeros(int rows, int cols) {
            return new GgufWriter.RowSource() {
                public int rows() { return rows; }
                public int cols() { return cols; }
                public void row(int r, float[] dst) { java.util.Arrays.fill(dst, 0, cols, 0f); }
            };
        }
    }

    /** The HF row (or element) index that llama.cpp's row {@code i} holds, heads of size d. */
    public static int hfIndexOfLlamaCpp(int i, int d) {
        int head = i / d, m = i % d;
        return head * d + (m % 2) * (d / 2) + m / 2;
    }

    private record Permuted(Matrix m, int[] order) implements GgufWriter.RowSource {
        public int rows() { return m.rows(); }
        public int cols() { return m.cols(); }
        public void row(int r, float[] dst) { m.readRow(order == null ? r : order[r], dst, 0); }
        public void done() { m.release(); }
    }

    /** A layer's weight matrix, fetched at its first row and let go (pages dropped) when written. */
    private static final class LayerRows implements GgufWriter.RowSource {
        private final LlamaModel model;
        private final int layer, rows, cols;
        private final Param param;
        private final int[] order;
        private Matrix m;

        LayerRows(LlamaModel model, int layer, Param param, int rows, int cols, int[] order) {
            this.model = model;
            this.layer = layer;
            this.param = param;
            this.rows = rows;
            this.cols = cols;
            this.order = order;
        }

        public int rows() { return rows; }
        public int cols() { return cols; }

        public void row(int r, float[] dst) {
            if (m == null) {
                m = param.of(model.layer(layer));
                if (m.rows() != rows || m.cols() != cols)
                    throw new IllegalStateException(param.tensorName(layer) + " is " + m.rows() + "x" + m.cols()
                            + ", its config says " + rows + "x" + cols);
            }
            m.readRow(order == null ? r : order[r], dst, 0);
        }

        public void done() {
            if (m != null) m.release();
            m = null;
        }
    }
}
