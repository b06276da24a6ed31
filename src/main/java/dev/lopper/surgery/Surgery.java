package dev.lopper.surgery;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.BlockOps;
import dev.lopper.model.LayerShape;
import dev.lopper.model.Param;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LazyLayers;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Masks;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a model down to the groups a {@link KeepPlan} keeps: a new, smaller model whose layers
 * may differ in shape. Weights keep their dtype; embeddings, norms and the LM head are shared
 * with the dense model (they are immutable). GQA stays valid because whole kv groups go.
 *
 * <p>Bias compensation (the plan's deltas) is added to the o_proj / down_proj biases; when the
 * dense model had none, zero biases are created in every layer and the config says so. A
 * layer whose attention (or MLP) keeps nothing keeps its output bias, which the forward pass
 * applies as HF does.
 */
public final class Surgery {
    private Surgery() {}

    /** The pruned model with every layer cut now (held in memory together). */
    public static LlamaModel apply(LlamaModel model, KeepPlan plan) {
        LlamaModel lazy = lazy(model, plan);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < lazy.config().numLayers(); l++) layers.add(lazy.layer(l));
        return model.withLayers(lazy.config(), layers);
    }

    /**
     * The pruned model with layers cut on demand ({@link LazyLayers}): a writer that walks the
     * layers in order holds one cut layer at a time, and the dense layer's mapped pages are
     * released once it is cut ({@link LlamaModel#releaseLayer}), so a model larger than memory
     * is written layer by layer. The config (and so every shape) is known at once.
     */
    public static LlamaModel lazy(LlamaModel model, KeepPlan plan) {
        ModelConfig c = model.config();
        PlanCheck.against(c, plan);
        boolean oComp = plan.oBiasDelta() != null, downComp = plan.downBiasDelta() != null;
        List<LayerShape> shapes = new ArrayList<>();
        int[][] keptHeads = new int[c.numLayers()][];
        for (int l = 0; l < c.numLayers(); l++) {
            LayerShape s = c.layer(l);
            int[] kv = plan.keptKvHeads()[l];
            shapes.add(new LayerShape(kv.length * s.groupSize(), kv.length, s.headDim(), plan.keptChannels()[l].length));
            keptHeads[l] = queryIndices(kv, s.groupSize(), 1);
        }
        ModelConfig.Builder pruned = c.toBuilder().layers(shapes).oBias(c.oBias() || oComp).downBias(c.downBias() || downComp);
        if (c.ops().position() == BlockOps.Position.ALIBI) pruned.alibi(c.alibi().select(keptHeads, c.layers()));
        LazyLayers layers = new LazyLayers(c.numLayers(), l -> {
            collectIfHeapHolds(3 * c.layerParameters(c.layer(l)) * model.layer(l).wq().dtype().bytes);
            LayerWeights cut = layer(model, plan, l, true);
            model.releaseLayer(l);
            return cut;
        }, l -> layer(model, plan, l, false));
        return model.withLayers(pruned.build(), layers);
    }

    /**
     * A full collection when the heap holds more than {@code bytes} beyond its 256 MB base: the
     * layers cut before are garbage by now, but a collector with room to grow keeps them (the 7B
     * write grew the heap by ~8 GB, a cut layer at a time). Every few layers, not every layer.
     */
    private static void collectIfHeapHolds(long bytes) {
        Runtime rt = Runtime.getRuntime();
        if (rt.totalMemory() - rt.freeMemory() > bytes + (256L << 20)) System.gc();
    }

    /** Layer l cut to the plan's groups; with {@code cut} false, the dense tensors (the dtypes of the cut ones). */
    private static LayerWeights layer(LlamaModel model, KeepPlan plan, int l, boolean cut) {
        ModelConfig c = model.config();
        LayerShape s = c.layer(l);
        LayerWeights w = model.layer(l);
        int[] kv = plan.keptKvHeads()[l], ch = plan.keptChannels()[l];
        boolean oComp = plan.oBiasDelta() != null, downComp = plan.downBiasDelta() != null;
        Matrix bo = oComp ? compensated(w.bo(), plan.oBiasDelta()[l], w.wo(), c.hiddenSize()) : w.bo();
        Matrix bDown = downComp ? compensated(w.bDown(), plan.downBiasDelta()[l], w.down(), c.hiddenSize()) : w.bDown();
        // Every tensor is sliced along its group axis (GroupAxis, the one group layout); the rest is shared.
        return LayerWeights.from(p -> {
            Matrix t = p == Param.BO ? bo : p == Param.BDOWN ? bDown : p.of(w);
            GroupAxis axis = GroupAxis.of(p, s);
            if (t == null || axis == null || !cut) return t;
            int[] idx = axis.indices(axis.kind() == GroupKind.ATTENTION ? kv : ch);
            return axis.byRow() ? t.selectRows(idx) : t.selectCols(idx);
        });
    }

    /**
     * Masks that make the dense model compute what the pruned one does: 1 for kept attention
     * groups and MLP channels, 0 elsewhere. Bias compensation cannot be expressed
     * by masks, so the plan's deltas are ignored here.
     */
    public static Masks toMasks(ModelConfig dense, KeepPlan plan) {
        PlanCheck.against(dense, plan);
        Masks m = Masks.ones(dense, false);
        for (int l = 0; l < dense.numLayers(); l++) {
            for (GroupKind kind : GroupKind.values()) {
                int[] kept = kind == GroupKind.ATTENTION ? plan.keptKvHeads()[l] : plan.keptChannels()[l];
                boolean[] keep = flags(kept, GroupAxis.groups(kind, dense.layer(l)));
                for (int j = 0; j < keep.length; j++) if (!keep[j]) m.drop(kind, l, j);
            }
        }
        return m;
    }

    /** Rows (or columns) of the query heads of the kept kv heads: each kv head j owns g·d of them from j·g·d. */
    static int[] queryIndices(int[] keptKv, int groupSize, int headDim) {
        return new GroupAxis(GroupKind.ATTENTION, true, groupSize * headDim).indices(keptKv);
    }

    /** bias + delta, in the bias's dtype (the weight's when there was no bias); a zero bias when delta is null. */
    private static Matrix compensated(Matrix bias, float[] delta, Matrix weight, int hidden) {
        if (bias != null && delta == null) return bias;
        float[] b = bias == null ? new float[hidden] : bias.toFloats();
        if (delta != null) for (int i = 0; i < hidden; i++) b[i] += delta[i];
        return Matrix.fromFloats(b, 1, hidden, bias == null ? weight.dtype() : bias.dtype());
    }

    private static boolean[] flags(int[] kept, int n) {
        boolean[] f = new boolean[n];
        for (int k : kept) f[k] = true;
        return f;
    }
}
