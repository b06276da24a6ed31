package dev.lopper.surgery;

import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
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

    public static LlamaModel apply(LlamaModel model, KeepPlan plan) {
        ModelConfig c = model.config();
        PlanCheck.against(c, plan);
        boolean oComp = plan.oBiasDelta() != null, downComp = plan.downBiasDelta() != null;
        List<LayerShape> shapes = new ArrayList<>();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            LayerShape s = c.layer(l);
            LayerWeights w = model.layer(l);
            int[] kv = plan.keptKvHeads()[l], ch = plan.keptChannels()[l];
            int[] qIdx = queryIndices(kv, s.groupSize(), s.headDim());
            int[] kvIdx = queryIndices(kv, 1, s.headDim());
            Matrix bo = oComp ? compensated(w.bo(), plan.oBiasDelta()[l], w.wo(), c.hiddenSize()) : w.bo();
            Matrix bDown = downComp ? compensated(w.bDown(), plan.downBiasDelta()[l], w.down(), c.hiddenSize()) : w.bDown();
            layers.add(new LayerWeights(
                    w.attnNorm(),
                    w.wq().selectRows(qIdx), w.wk().selectRows(kvIdx), w.wv().selectRows(kvIdx), w.wo().selectCols(qIdx),
                    cols(w.bq(), qIdx), cols(w.bk(), kvIdx), cols(w.bv(), kvIdx), bo,
                    w.mlpNorm(),
                    w.gate().selectRows(ch), w.up().selectRows(ch), w.down().selectCols(ch),
                    cols(w.bGate(), ch), cols(w.bUp(), ch), bDown));
            shapes.add(new LayerShape(kv.length * s.groupSize(), kv.length, s.headDim(), ch.length));
        }
        ModelConfig pruned = c.withLayers(shapes)
                .withBiases(c.qkvBias(), c.oBias() || oComp, c.mlpBias(), c.downBias() || downComp);
        return new LlamaModel(pruned, model.embed(), layers, model.finalNorm(), model.lmHead());
    }

    /**
     * Masks that make the dense model compute what the pruned one does: 1 for the query heads of
     * kept kv groups and for kept channels, 0 elsewhere. Bias compensation cannot be expressed
     * by masks, so the plan's deltas are ignored here.
     */
    public static Masks toMasks(ModelConfig dense, KeepPlan plan) {
        PlanCheck.against(dense, plan);
        Masks m = Masks.ones(dense, false);
        for (int l = 0; l < dense.numLayers(); l++) {
            int g = dense.layer(l).groupSize();
            boolean[] keepKv = flags(plan.keptKvHeads()[l], dense.layer(l).kvHeads());
            for (int j = 0; j < keepKv.length; j++) if (!keepKv[j]) m.dropAttentionGroup(l, j, g);
            boolean[] keepCh = flags(plan.keptChannels()[l], dense.layer(l).intermediate());
            for (int c = 0; c < keepCh.length; c++) if (!keepCh[c]) m.channels[l][c] = 0f;
        }
        return m;
    }

    /** Rows (or columns) of the query heads of the kept kv heads: each kv head j owns g·d of them from j·g·d. */
    static int[] queryIndices(int[] keptKv, int groupSize, int headDim) {
        int block = groupSize * headDim;
        int[] idx = new int[keptKv.length * block];
        for (int i = 0; i < keptKv.length; i++)
            for (int t = 0; t < block; t++) idx[i * block + t] = keptKv[i] * block + t;
        return idx;
    }

    private static Matrix cols(Matrix bias, int[] keep) {
        return bias == null ? null : bias.selectCols(keep);
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
