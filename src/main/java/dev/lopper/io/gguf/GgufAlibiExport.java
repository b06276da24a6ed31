package dev.lopper.io.gguf;

import dev.lopper.BadInputException;
import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.BlockOps;
import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ALiBi families on their llama.cpp graphs ({@link Family#ggufAlibiGraph()}): BLOOM and ALiBi
 * Baichuan (Baichuan-13B) as llama.cpp's {@code bloom} and {@code baichuan} architectures
 * (llama.cpp's src/models/bloom.cpp and baichuan.cpp, and convert_hf_to_gguf.py's BloomModel and
 * BaichuanModel):
 * <ul>
 *   <li>bloom: LayerNorms with bias (also {@code token_embd_norm} after the embeddings), q, k and
 *       v packed one after the other in {@code attn_qkv} (HF's per-head interleave undone), GELU
 *       MLP with biases, tied output unless the model has its own head;</li>
 *   <li>baichuan: the LLaMA tensors (W_pack split; q/k rows in llama.cpp's RoPE pair order as
 *       the converter writes them, which ALiBi attention does not see), always an
 *       {@code output.weight}, no o/MLP biases (the graph has none: FLAP's compensation biases
 *       are refused). llama.cpp applies ALiBi only to a 40-layer baichuan (it recognises
 *       Baichuan-13B by its layer count; other counts run without positions), so other layer
 *       counts are refused.</li>
 * </ul>
 *
 * <p>Lopper's design for pruned models: both graphs take one head count and one MLP width for
 * every layer (layer 0's, from the loader's scalar locals), and llama.cpp derives each head's
 * ALiBi slope from the layer's head count (max_bias 8), whereas a head Lopper kept after pruning
 * keeps its dense slope ({@link dev.lopper.model.AlibiHeads}). So every layer is written padded
 * to the dense head count and the widest MLP: kept heads at their dense positions (each gets its
 * own slope back), all-zero heads where heads were pruned (q, k, v rows, biases and o columns
 * zero: the head adds exactly nothing), all-zero channels after the kept ones (gelu(0) and
 * silu(0)·0 are 0 and the down column is zero). llama.cpp then computes Lopper's function, but
 * pruned heads and channels save no time there. The kept widths are recorded under
 * {@code lopper.*} keys, from which Lopper's reader gives the pruned shapes back.
 */
final class GgufAlibiExport {
    private GgufAlibiExport() {}

    static final String KEPT_HEADS = "lopper.attention.head_count";
    static final String HEAD_INDEX = "lopper.attention.head_index";
    static final String KEPT_FF = "lopper.feed_forward_length";

    /** The family's llama.cpp ALiBi graph when it computes this model, else null (the llama/deci graphs, or none). */
    static Family.GgufAlibiGraph graph(ModelConfig c) {
        if (c.ops().position() != BlockOps.Position.ALIBI) return null;
        Family.GgufAlibiGraph g = c.family().ggufAlibiGraph();
        return g != null && c.ops().withNormHead(false).equals(g.ops()) ? g : null;
    }

    /** The graph's norm epsilon key: LayerNorm's or RMSNorm's. */
    static String epsilonKey(Family.GgufAlibiGraph graph) {
        return graph.architecture() + (graph.ops().norm() == BlockOps.Norm.LAYER ? ".attention.layer_norm_epsilon"
                : ".attention.layer_norm_rms_epsilon");
    }

    /** Which dense head (or channel) each written slot holds in each layer, -1 for a zero one. */
    record Padding(int heads, int width, int headDim, int[][] headSlots, int[][] channelSlots) {
        boolean padded(ModelConfig c) {
            for (int l = 0; l < c.numLayers(); l++)
                if (c.layer(l).heads() != heads || c.layer(l).intermediate() != width) return true;
            return false;
        }

        int[] slots(GroupKind kind, int layer) {
            return kind == GroupKind.ATTENTION ? headSlots[layer] : channelSlots[layer];
        }
    }

    static Padding padding(ModelConfig c) {
        int n = c.numLayers(), total = c.alibi().total(), d = c.layer(0).headDim(), width = 1;
        for (LayerShape s : c.layers()) {
            width = Math.max(width, s.intermediate());
            if (s.headDim() != d) throw new BadInputException("layers differ in head size (" + d + " vs " + s.headDim()
                    + "): llama.cpp has one head size per model");
            if (s.kvHeads() != s.heads())
                throw new BadInputException("a layer has " + s.heads() + " heads and " + s.kvHeads()
                        + " kv heads; llama.cpp's bloom/baichuan graphs need as many kv heads as heads");
        }
        if ((long) total * d != c.hiddenSize())
            throw new BadInputException(total + " ALiBi heads of size " + d + " do not fill the hidden size "
                    + c.hiddenSize() + ", which llama.cpp's bloom/baichuan attention output needs");
        int[][] heads = new int[n][], channels = new int[n][];
        for (int l = 0; l < n; l++) {
            LayerShape s = c.layer(l);
            heads[l] = new int[total];
            Arrays.fill(heads[l], -1);
            int[] dense = c.alibi().indices(l, s.heads());
            for (int j = 0; j < dense.length; j++) heads[l][dense[j]] = j;
            channels[l] = new int[width];
            for (int i = 0; i < width; i++) channels[l][i] = i < s.intermediate() ? i : -1;
        }
        return new Padding(total, width, d, heads, channels);
    }

    static GgufLayout write(LlamaModel model, Family.GgufAlibiGraph graph, Map<String, GgufValue> tokenizer,
                            GgufExport.Options options, java.nio.file.Path out) {
        ModelConfig c = model.config();
        Family family = c.family();
        String arch = graph.architecture();
        if (graph.layers() > 0 && c.numLayers() != graph.layers())
            throw new BadInputException("this ALiBi " + family.name() + " model has " + c.numLayers() + " layers; llama.cpp's "
                    + arch + " graph applies ALiBi only to " + graph.layers() + "-layer models (it takes the model size "
                    + "from the layer count and runs other counts without positions), so it would compute another function");
        Padding pad = padding(c);
        List<GgufWriter.TensorSpec> tensors = new ArrayList<>();
        GgmlType dtype = options.dtype();
        for (Param p : List.of(Param.EMBED, Param.EMBED_NORM, Param.EMBED_NORM_BIAS))
            if (c.has(p)) tensors.add(GgufExport.tensor(family.ggufName(p, -1), GgufExport.Rows.of(p.of(model, -1)), p.vector(), dtype));
        for (int l = 0; l < c.numLayers(); l++) {
            Map<String, List<GgufWriter.RowSource>> packed = new LinkedHashMap<>();
            Map<String, Boolean> vector = new LinkedHashMap<>();
            for (Param p : c.layerParams()) {
                Matrix m = p.of(model, l);
                boolean graphHasIt = graph.allBiases() || !(p == Param.BO || p == Param.BGATE || p == Param.BUP || p == Param.BDOWN);
                if (!graphHasIt) {
                    if (GgufExport.nonZero(m))
                        throw new BadInputException("layer " + l + " has a nonzero " + p.tensorName(l)
                                + " (bias compensation); llama.cpp's " + arch + " graph has no such bias");
                    continue;
                }
                String name = family.ggufName(p, l);
                packed.computeIfAbsent(name, k -> new ArrayList<>()).add(padded(c, pad, p, l, m, graph.qkRopeOrder()));
                vector.put(name, p.vector());
            }
            for (Map.Entry<String, List<GgufWriter.RowSource>> e : packed.entrySet())
                tensors.add(GgufExport.tensor(e.getKey(), concat(e.getValue(), vector.get(e.getKey())), vector.get(e.getKey()), dtype));
        }
        for (Param p : List.of(Param.FINAL_NORM, Param.FINAL_NORM_BIAS))
            if (c.has(p)) tensors.add(GgufExport.tensor(family.ggufName(p, -1), GgufExport.Rows.of(p.of(model, -1)), true, dtype));
        if (graph.alwaysOutput() || !c.tieWordEmbeddings())
            tensors.add(GgufExport.tensor(family.ggufName(Param.LM_HEAD, -1), GgufExport.Rows.of(model.lmHead()), false, dtype));

        Map<String, GgufValue> m = GgufExport.general(model, arch, options);
        m.put(arch + ".feed_forward_length", GgufValue.u32(pad.width()));
        m.put(arch + ".attention.head_count", GgufValue.u32(pad.heads()));
        m.put(arch + ".attention.head_count_kv", GgufValue.u32(pad.heads()));
        m.put(arch + ".attention.key_length", GgufValue.u32(pad.headDim()));
        m.put(arch + ".attention.value_length", GgufValue.u32(pad.headDim()));
        m.put(epsilonKey(graph), GgufValue.f32(c.rmsNormEps()));
        if (graph.qkRopeOrder()) m.put(arch + ".rope.dimension_count", GgufValue.u32(pad.headDim()));
        if (pad.padded(c)) {
            int n = c.numLayers();
            int[] kept = new int[n], ff = new int[n];
            List<Integer> index = new ArrayList<>();
            for (int l = 0; l < n; l++) {
                kept[l] = c.layer(l).heads();
                ff[l] = c.layer(l).intermediate();
                for (int x : c.alibi().indices(l, kept[l])) index.add(x);
            }
            m.put(KEPT_HEADS, GgufValue.i32s(kept));
            m.put(HEAD_INDEX, GgufValue.i32s(index.stream().mapToInt(Integer::intValue).toArray()));
            m.put(KEPT_FF, GgufValue.i32s(ff));
        }
        m.putAll(tokenizer);
        GgufWriter.write(out, m, tensors);
        List<GgufLayout.LayerPlan> plans = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) plans.add(new GgufLayout.LayerPlan(pad.heads(), pad.heads(), pad.width(), false, false));
        return new GgufLayout(arch, plans, pad.headDim());
    }

    /**
     * Tensor {@code p} of layer {@code l} (zeros where the model has none) with its group axis
     * padded: slot i of the written axis holds the model's group {@code slots[i]}, or zeros.
     * {@code rope}: q/k rows (and biases) in llama.cpp's RoPE pair order.
     */
    private static GgufWriter.RowSource padded(ModelConfig c, Padding pad, Param p, int l, Matrix m, boolean rope) {
        LayerShape s = c.layer(l);
        int rows = p.rows(c, s), cols = p.cols(c, s);
        // the axis of the written (dense, MHA) shape: an emptied layer has no group width of its own
        GroupAxis a = GroupAxis.of(p, new LayerShape(pad.heads(), pad.heads(), pad.headDim(), pad.width()));
        int[] rowMap = null, colMap = null;
        if (a != null) {
            int[] slots = pad.slots(a.kind(), l), map = new int[slots.length * a.width()];
            for (int i = 0; i < map.length; i++) {
                int g = slots[i / a.width()];
                map[i] = g < 0 ? -1 : g * a.width() + i % a.width();
            }
            if (rope && (p == Param.Q || p == Param.K || p == Param.BQ || p == Param.BK)) {
                int[] permuted = new int[map.length];
                for (int i = 0; i < map.length; i++) permuted[i] = map[GgufExport.hfIndexOfLlamaCpp(i, pad.headDim())];
                map = permuted;
            }
            if (a.byRow()) rowMap = map;
            else colMap = map;
        }
        int outRows = rowMap == null ? rows : rowMap.length, outCols = colMap == null ? cols : colMap.length;
        int[] rm = rowMap, cm = colMap;
        return new GgufWriter.RowSource() {
            final float[] buf = new float[cols];

            public int rows() { return outRows; }

            public int cols() { return outCols; }

            public void row(int r, float[] dst) {
                int src = rm == null ? r : rm[r];
                if (m == null || src < 0) {
                    Arrays.fill(dst, 0, outCols, 0f);
                    return;
                }
                if (cm == null) {
                    m.readRow(src, dst, 0);
                    return;
                }
                m.readRow(src, buf, 0);
                for (int j = 0; j < outCols; j++) dst[j] = cm[j] < 0 ? 0f : buf[cm[j]];
            }

            public void done() {
                if (m != null) m.release();
            }
        };
    }

    /** The parts one after the other: along the rows for matrices, along the one row for vectors. */
    private static GgufWriter.RowSource concat(List<GgufWriter.RowSource> parts, boolean vector) {
        if (parts.size() == 1) return parts.getFirst();
        int cols = 0, rows = 0;
        for (GgufWriter.RowSource s : parts) {
            cols = vector ? cols + s.cols() : s.cols();
            rows = vector ? 1 : rows + s.rows();
        }
        int r0 = rows, c0 = cols;
        return new GgufWriter.RowSource() {
            public int rows() { return r0; }

            public int cols() { return c0; }

            public void row(int r, float[] dst) {
                if (vector) {
                    int off = 0;
                    for (GgufWriter.RowSource s : parts) {
                        float[] part = new float[s.cols()];
                        s.row(0, part);
                        System.arraycopy(part, 0, dst, off, part.length);
                        off += part.length;
                    }
                    return;
                }
                for (GgufWriter.RowSource s : parts) {
                    if (r < s.rows()) {
                        s.row(r, dst);
                        return;
                    }
                    r -= s.rows();
                }
            }

            public void done() {
                for (GgufWriter.RowSource s : parts) s.done();
            }
        };
    }
}
