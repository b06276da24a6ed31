package dev.lopper.io.gguf;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.AlibiHeads;
import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.model.RopeScaling;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Builds a {@link LlamaModel} from a GGUF file of architecture {@code llama} or {@code deci}.
 * F32, F16 and BF16 tensors stay memory-mapped (q and k are reordered back to HF's RoPE layout,
 * a copy in the same type); Q8_0 is dequantised to fp32 on load; other types are refused by
 * name. The stand-in blocks of Lopper's export (one all-zero head, one all-zero channel; see
 * {@link GgufLayout}) are read back as emptied blocks.
 */
public final class GgufCheckpointReader {
    private final GgufFile f;

    private GgufCheckpointReader(GgufFile f) {
        this.f = f;
    }

    public static LlamaModel read(Path file) {
        GgufCheckpointReader r = new GgufCheckpointReader(GgufFile.open(file));
        LlamaModel m = r.model();
        r.checkAllUsed();
        return m;
    }

    /** Tensors read into the model; every tensor in the file must be one (as for safetensors). */
    private final java.util.Set<String> used = new java.util.HashSet<>();

    /** Refuses a file with a tensor the model does not use: its metadata and tensors disagree. */
    private void checkAllUsed() {
        List<String> unused = f.tensors().keySet().stream().filter(n -> !used.contains(n)).sorted().toList();
        if (!unused.isEmpty())
            throw f.bad("tensor '" + unused.getFirst() + "'" + (unused.size() > 1 ? " and " + (unused.size() - 1)
                    + " more are" : " is") + " not used by the model the metadata describes (check head_count, "
                    + "feed_forward_length and block_count)");
    }

    /** A float key that must be a finite positive number (an epsilon, a RoPE base). */
    private double positive(String key, double fallback) {
        double v = f.f32(key, fallback);
        if (!(v > 0) || Double.isInfinite(v)) throw f.bad(key + " is " + v + ", not a positive number");
        return v;
    }

    private LlamaModel model() {
        String arch = f.string("general.architecture", null);
        if (arch == null) throw f.bad("has no general.architecture");
        Family family = Family.ofGguf(arch);
        if (family == null) {
            List<String> all = Family.allGguf();
            throw f.bad("architecture '" + arch + "' is not supported (Lopper reads "
                    + String.join(", ", all.subList(0, all.size() - 1)) + " and " + all.getLast() + ")");
        }
        for (GgufFile.TensorInfo t : f.tensors().values()) {
            if (!t.type().supported())
                throw f.bad("tensor '" + t.name() + "' is " + t.type() + "; Lopper reads F32, F16, BF16 and Q8_0 (requantize to one of those)");
        }
        int hidden = intKey(arch + ".embedding_length");
        int n = intKey(arch + ".block_count");
        if (n <= 0 || n > 100_000) throw f.bad(arch + ".block_count is " + n);
        int[] heads = f.perLayer(arch + ".attention.head_count", n);
        int[] kvHeads = f.has(arch + ".attention.head_count_kv") ? f.perLayer(arch + ".attention.head_count_kv", n) : heads.clone();
        int[] ff = f.perLayer(arch + ".feed_forward_length", n);
        int headDim = heads[0] > 0 ? hidden / heads[0] : 0;
        headDim = (int) f.u32(arch + ".attention.key_length", headDim);
        if (headDim <= 0 || headDim % 2 != 0) throw f.bad("head size " + headDim + " is not a positive even number");
        if (f.u32(arch + ".attention.value_length", headDim) != headDim)
            throw f.bad("value_length differs from key_length; Lopper needs them equal");
        GgufFile.TensorInfo embedInfo = info(family.ggufName(Param.EMBED, -1));
        if (embedInfo.cols() != hidden) throw f.bad("token_embd.weight rows have " + embedInfo.cols() + " values, expected " + hidden);
        int vocab = Math.toIntExact(embedInfo.rows());
        double eps = positive(arch + ".attention.layer_norm_rms_epsilon", 1e-5);
        double theta = positive(arch + ".rope.freq_base", 10000);
        String scalingType = f.string(arch + ".rope.scaling.type", "none");
        RopeScaling scaling = switch (scalingType) {
            case "none" -> null;
            case "linear" -> new RopeScaling("linear", f.f32(arch + ".rope.scaling.factor", 1), 0, 0, 0);
            default -> throw f.bad("rope scaling '" + scalingType + "' is not supported");
        };
        int context = (int) f.u32(arch + ".context_length", 2048);
        if (f.tensors().containsKey(GgufExport.ROPE_FREQS)) {
            if (scaling != null) throw f.bad("has both rope scaling '" + scalingType + "' and rope_freqs.weight");
            scaling = ropeFreqs(headDim, theta);
        }

        Matrix embed = matrix(family.ggufName(Param.EMBED, -1), vocab, hidden, false, headDim);
        Family.GgufAlibiGraph alibi = family.ggufAlibiGraph();
        if (alibi != null && alibi.architecture().equals(arch))
            return alibiModel(family, alibi, hidden, vocab, context, heads, kvHeads, ff, headDim, embed);
        List<LayerWeights> layers = new ArrayList<>();
        List<LayerShape> shapes = new ArrayList<>();
        boolean qkvBias = false, oBias = false, mlpBias = false, downBias = false;
        for (int l = 0; l < n; l++) {
            int layer = l;
            Function<Param, String> name = p -> family.ggufName(p, layer);
            if (kvHeads[l] == 0 ? heads[l] != 0 : heads[l] % kvHeads[l] != 0)
                throw f.bad("layer " + l + " has " + heads[l] + " heads and " + kvHeads[l] + " kv heads");
            int h = heads[l], kv = kvHeads[l], q = h * headDim, kvd = kv * headDim, w = ff[l];
            Matrix attnNorm = h > 0 ? vector(name.apply(Param.ATTN_NORM), hidden) : Matrix.wrap(ones(hidden), 1, hidden);
            Matrix wq = h > 0 ? matrix(name.apply(Param.Q), q, hidden, true, headDim) : Matrix.zeros(0, hidden);
            Matrix wk = h > 0 ? matrix(name.apply(Param.K), kvd, hidden, true, headDim) : Matrix.zeros(0, hidden);
            Matrix wv = h > 0 ? matrix(name.apply(Param.V), kvd, hidden, false, headDim) : Matrix.zeros(0, hidden);
            Matrix wo = h > 0 ? matrix(name.apply(Param.O), hidden, q, false, headDim) : Matrix.zeros(hidden, 0);
            Matrix bq = optionalVector(name.apply(Param.BQ), q, headDim), bk = optionalVector(name.apply(Param.BK), kvd, headDim);
            Matrix bv = optionalVector(name.apply(Param.BV), kvd, 0), bo = optionalVector(name.apply(Param.BO), hidden, 0);
            if (h == 1 && kv == 1 && allZero(wq) && allZero(wk) && allZero(wv) && allZero(wo) && bq == null && bk == null && bv == null) {
                h = 0;          // Lopper's zero head: an emptied attention block
                kv = 0;
                wq = Matrix.zeros(0, hidden);
                wk = Matrix.zeros(0, hidden);
                wv = Matrix.zeros(0, hidden);
                wo = Matrix.zeros(hidden, 0);
            }
            Matrix mlpNorm = w > 0 ? vector(name.apply(Param.MLP_NORM), hidden) : Matrix.wrap(ones(hidden), 1, hidden);
            Matrix gate = w > 0 ? matrix(name.apply(Param.GATE), w, hidden, false, 0) : Matrix.zeros(0, hidden);
            Matrix up = w > 0 ? matrix(name.apply(Param.UP), w, hidden, false, 0) : Matrix.zeros(0, hidden);
            Matrix down = w > 0 ? matrix(name.apply(Param.DOWN), hidden, w, false, 0) : Matrix.zeros(hidden, 0);
            Matrix bGate = optionalVector(name.apply(Param.BGATE), w, 0), bUp = optionalVector(name.apply(Param.BUP), w, 0);
            Matrix bDown = optionalVector(name.apply(Param.BDOWN), hidden, 0);
            if (w == 1 && allZero(gate) && allZero(up) && allZero(down) && bGate == null && bUp == null) {
                w = 0;          // Lopper's zero channel: an emptied MLP
                gate = Matrix.zeros(0, hidden);
                up = Matrix.zeros(0, hidden);
                down = Matrix.zeros(hidden, 0);
            }
            qkvBias |= bq != null || bk != null || bv != null;
            oBias |= bo != null;
            mlpBias |= bGate != null || bUp != null;
            downBias |= bDown != null;
            shapes.add(new LayerShape(h, kv, headDim, w));
            layers.add(LayerWeights.builder()
                    .put(Param.ATTN_NORM, attnNorm).put(Param.Q, wq).put(Param.K, wk).put(Param.V, wv).put(Param.O, wo)
                    .put(Param.BQ, bq).put(Param.BK, bk).put(Param.BV, bv).put(Param.BO, bo)
                    .put(Param.MLP_NORM, mlpNorm).put(Param.GATE, gate).put(Param.UP, up).put(Param.DOWN, down)
                    .put(Param.BGATE, bGate).put(Param.BUP, bUp).put(Param.BDOWN, bDown)
                    .build());
        }
        Matrix norm = vector(family.ggufName(Param.FINAL_NORM, -1), hidden);
        boolean tied = !f.tensors().containsKey(family.ggufName(Param.LM_HEAD, -1));
        Matrix head = tied ? embed : matrix(family.ggufName(Param.LM_HEAD, -1), vocab, hidden, false, 0);
        ModelConfig config = ModelConfig.builder(family)
                .hiddenSize(hidden).vocabSize(vocab).maxPositions(context).layers(shapes)
                .rmsNormEps((float) eps).ropeTheta((float) theta).ropeScaling(scaling).tieWordEmbeddings(tied)
                .qkvBias(qkvBias).oBias(oBias).mlpBias(mlpBias).downBias(downBias)
                .bosTokenId((int) f.u32("tokenizer.ggml.bos_token_id", -1))
                .eosTokenId((int) f.u32("tokenizer.ggml.eos_token_id", -1))
                .build();
        return new LlamaModel(config, embed, layers, norm, head);
    }

    /**
     * A BLOOM or ALiBi Baichuan model from llama.cpp's bloom/baichuan tensors (see
     * {@link GgufAlibiExport}): one shape for every layer; where Lopper's {@code lopper.*} keys
     * say which heads and channels were kept, the zero padding is dropped again and each kept head
     * keeps its dense ALiBi slope.
     */
    private LlamaModel alibiModel(Family family, Family.GgufAlibiGraph graph, int hidden, int vocab, int context,
                                  int[] heads, int[] kvHeads, int[] ff, int headDim, Matrix embed) {
        String arch = graph.architecture();
        int n = heads.length;
        for (int l = 1; l < n; l++)
            if (heads[l] != heads[0] || kvHeads[l] != kvHeads[0] || ff[l] != ff[0])
                throw f.bad("layer " + l + " has another shape than layer 0; llama.cpp's " + arch + " graph takes layer 0's for all");
        if (kvHeads[0] != heads[0] || (long) heads[0] * headDim != hidden)
            throw f.bad(heads[0] + " heads, " + kvHeads[0] + " kv heads of size " + headDim + " for hidden size " + hidden
                    + "; llama.cpp's " + arch + " graph needs heads = kv heads and heads × head size = hidden size");
        double eps = positive(GgufAlibiExport.epsilonKey(graph), graph.defaultEps());
        boolean allBiases = graph.allBiases();
        LayerShape shape = new LayerShape(heads[0], heads[0], headDim, ff[0]);
        ModelConfig dense = ModelConfig.builder(family)
                .hiddenSize(hidden).vocabSize(vocab).maxPositions(context).layers(Collections.nCopies(n, shape))
                .rmsNormEps((float) eps)
                .tieWordEmbeddings(!f.tensors().containsKey(family.ggufName(Param.LM_HEAD, -1)))
                .qkvBias(allBiases || f.tensors().containsKey(family.ggufName(Param.BQ, 0)))
                .oBias(allBiases).mlpBias(allBiases).downBias(allBiases)
                .bosTokenId((int) f.u32("tokenizer.ggml.bos_token_id", -1))
                .eosTokenId((int) f.u32("tokenizer.ggml.eos_token_id", -1))
                .ops(graph.ops())
                .alibi(AlibiHeads.dense(heads[0]))
                .build();
        boolean tied = dense.tieWordEmbeddings();
        int[] keptHeads = f.has(GgufAlibiExport.KEPT_HEADS) ? f.perLayer(GgufAlibiExport.KEPT_HEADS, n) : null;
        int[] keptFf = f.has(GgufAlibiExport.KEPT_FF) ? f.perLayer(GgufAlibiExport.KEPT_FF, n) : null;
        List<Object> headIndex = keptHeads == null ? null : f.array(GgufAlibiExport.HEAD_INDEX, GgufValueType.INT32);
        List<LayerWeights> layers = new ArrayList<>();
        List<LayerShape> shapes = new ArrayList<>();
        List<List<Integer>> alibi = new ArrayList<>();
        int next = 0;
        for (int l = 0; l < n; l++) {
            Map<Param, Matrix> t = new EnumMap<>(Param.class);
            Map<String, Matrix> packed = new HashMap<>();
            Map<String, Integer> offset = new HashMap<>();
            for (Param p : dense.layerParams()) {
                String name = family.ggufName(p, l);
                int rows = p.rows(dense, shape), cols = p.cols(dense, shape);
                if (!f.tensors().containsKey(name) && p.vector() && !allBiases) continue;      // absent q/k/v bias
                boolean rope = graph.qkRopeOrder() && (p == Param.Q || p == Param.K);
                if (!family.ggufPacked(p)) {
                    Matrix m = p.vector() ? vector(name, cols) : matrix(name, rows, cols, rope, headDim);
                    if (graph.qkRopeOrder() && (p == Param.BQ || p == Param.BK)) m = llamaCppToHf(m, headDim);
                    t.put(p, m);
                    continue;
                }
                int total = 3 * heads[0] * headDim;
                Matrix all = packed.computeIfAbsent(name, k -> p.vector() ? vector(k, total) : matrix(k, total, hidden, false, 0));
                int off = offset.getOrDefault(name, 0), len = p.vector() ? cols : rows;
                offset.put(name, off + len);
                t.put(p, p.vector() ? Matrix.wrap(Arrays.copyOfRange(all.toFloats(), off, off + len), 1, len)
                        : all.rowRange(off, len));
            }
            int[] keep = IntStream.range(0, heads[0]).toArray();
            int width = ff[0];
            if (keptHeads != null) {
                keep = new int[keptHeads[l]];
                for (int j = 0; j < keep.length; j++) {
                    if (next >= headIndex.size()) throw f.bad(GgufAlibiExport.HEAD_INDEX + " has too few entries");
                    keep[j] = Math.toIntExact((Long) headIndex.get(next++));
                    if (keep[j] >= heads[0]) throw f.bad(GgufAlibiExport.HEAD_INDEX + " holds " + keep[j] + ", not a head below " + heads[0]);
                }
            }
            if (keptFf != null) {
                width = keptFf[l];
                if (width > ff[0]) throw f.bad(GgufAlibiExport.KEPT_FF + " of layer " + l + " is wider than the MLP");
            }
            for (Map.Entry<Param, Matrix> e : t.entrySet()) {
                GroupAxis a = GroupAxis.of(e.getKey(), shape);
                if (a == null) continue;
                int[] groups = a.kind() == GroupKind.ATTENTION ? keep : IntStream.range(0, width).toArray();
                int[] idx = a.indices(groups);
                e.setValue(a.byRow() ? e.getValue().selectRows(idx) : e.getValue().selectCols(idx));
            }
            shapes.add(new LayerShape(keep.length, keep.length, headDim, width));
            alibi.add(Arrays.stream(keep).boxed().toList());
            layers.add(LayerWeights.from(t::get));
        }
        ModelConfig config = dense.withLayers(shapes).withAlibi(keptHeads == null ? AlibiHeads.dense(heads[0]) : new AlibiHeads(heads[0], alibi));
        Matrix head = tied ? embed : matrix(family.ggufName(Param.LM_HEAD, -1), vocab, hidden, false, 0);
        Map<Param, Matrix> global = new EnumMap<>(Param.class);
        for (Param p : List.of(Param.EMBED_NORM, Param.EMBED_NORM_BIAS, Param.FINAL_NORM_BIAS))
            if (dense.has(p)) global.put(p, vector(family.ggufName(p, -1), hidden));
        return new LlamaModel(config, embed, layers, vector(family.ggufName(Param.FINAL_NORM, -1), hidden), head,
                global.get(Param.FINAL_NORM_BIAS), global.get(Param.EMBED_NORM), global.get(Param.EMBED_NORM_BIAS));
    }

    /**
     * Llama 3 rope scaling from rope_freqs.weight (llama.cpp's per-pair divisors): the exact
     * llama3 parameters where Lopper wrote them beside it (checked to give the same factors), else
     * the factors themselves, which is what llama.cpp computes with.
     */
    private RopeScaling ropeFreqs(int headDim, double theta) {
        GgufFile.TensorInfo t = info(GgufExport.ROPE_FREQS);
        if (t.type() != GgmlType.F32) throw f.bad("rope_freqs.weight is " + t.type() + ", expected F32");
        float[] factors = vector(GgufExport.ROPE_FREQS, headDim / 2).toFloats();
        for (float x : factors)
            if (!(x > 0) || Float.isInfinite(x)) throw f.bad("rope_freqs.weight holds " + x + ", not a positive factor");
        if (!f.has(GgufExport.LLAMA3_FACTOR)) return RopeScaling.freqs(factors);
        RopeScaling llama3 = new RopeScaling("llama3", f.f64(GgufExport.LLAMA3_FACTOR), f.f64(GgufExport.LLAMA3_LOW),
                f.f64(GgufExport.LLAMA3_HIGH), (int) f.u32(GgufExport.LLAMA3_ORIGINAL));
        if (!Arrays.equals(factors, GgufExport.llama3FreqFactors(llama3, headDim, theta)))
            throw f.bad("rope_freqs.weight does not match its " + GgufExport.LLAMA3_FACTOR + " keys");
        return llama3;
    }

    /** A q or k bias from llama.cpp's RoPE pair order back to HF's. */
    private static Matrix llamaCppToHf(Matrix bias, int headDim) {
        float[] v = bias.toFloats(), out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[GgufExport.hfIndexOfLlamaCpp(i, headDim)] = v[i];
        return Matrix.wrap(out, 1, v.length);
    }

    private int intKey(String key) {
        return Math.toIntExact(f.u32(key));
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return v;
    }

    private static boolean allZero(Matrix m) {
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.readRow(r, row, 0);
            for (float x : row) if (x != 0f) return false;
        }
        return true;
    }

    private GgufFile.TensorInfo info(String name) {
        GgufFile.TensorInfo t = f.tensors().get(name);
        if (t == null) throw f.bad("has no tensor '" + name + "'");
        return t;
    }

    private Matrix vector(String name, int n) {
        GgufFile.TensorInfo t = info(name);
        if (t.cols() * t.rows() != n) throw f.bad("tensor '" + name + "' has " + t.cols() * t.rows() + " values, expected " + n);
        return load(t, 1, n, false, 0);
    }

    private Matrix optionalVector(String name, int n, int ropeHeadDim) {
        GgufFile.TensorInfo t = f.tensors().get(name);
        if (t == null) return null;
        if (t.cols() * t.rows() != n) throw f.bad("tensor '" + name + "' has " + t.cols() * t.rows() + " values, expected " + n);
        Matrix m = load(t, 1, n, false, 0);
        if (ropeHeadDim == 0) return m;
        float[] v = m.toFloats(), out = new float[n];
        for (int i = 0; i < n; i++) out[GgufExport.hfIndexOfLlamaCpp(i, ropeHeadDim)] = v[i];
        return Matrix.wrap(out, 1, n);
    }

    /** A [rows, cols] weight; {@code rope} undoes llama.cpp's q/k row order. */
    private Matrix matrix(String name, long rows, long cols, boolean rope, int headDim) {
        GgufFile.TensorInfo t = info(name);
        if (t.ne().length > 2 || t.cols() != cols || t.rows() != rows)
            throw f.bad("tensor '" + name + "' has shape " + Arrays.toString(t.ne()) + ", expected ["
                    + cols + ", " + rows + "] from the metadata");
        return load(t, (int) rows, (int) cols, rope, headDim);
    }

    private Matrix load(GgufFile.TensorInfo t, int rows, int cols, boolean rope, int headDim) {
        used.add(t.name());
        Matrix m;
        if (t.type() == GgmlType.Q8_0) {
            float[] v = new float[Math.multiplyExact(rows, cols)];
            Quant.decode(GgmlType.Q8_0, f.bytes(t), 0, v, 0, v.length);
            m = Matrix.wrap(v, rows, cols);
        } else {
            DType d = switch (t.type()) {
                case F32 -> DType.F32;
                case F16 -> DType.F16;
                case BF16 -> DType.BF16;
                default -> throw f.bad("tensor '" + t.name() + "' is " + t.type());
            };
            m = Matrix.of(f.bytes(t), d, rows, cols);
        }
        if (!rope) return m;
        int[] hfOrder = new int[rows];      // HF row r is llama.cpp row inv[r]
        for (int i = 0; i < rows; i++) hfOrder[GgufExport.hfIndexOfLlamaCpp(i, headDim)] = i;
        return m.selectRows(hfOrder);
    }
}
