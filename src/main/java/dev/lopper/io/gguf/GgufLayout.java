package dev.lopper.io.gguf;

import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * How a Lopper model maps onto llama.cpp's {@code llama} or {@code deci} graph, layer by layer.
 *
 * <p>Lopper's design for emptied blocks (llama.cpp's deci graph, read from its source and checked
 * with the real llama.cpp by {@code LlamaCppClientTest}):
 * <ul>
 *   <li>{@code n_head = 0} makes a layer attention-free (the residual passes through), but then
 *       o_proj's bias is ignored, and layer 0 must have heads because llama.cpp takes the head
 *       size from layer 0. So an emptied attention block that keeps a bias (FLAP compensation),
 *       or layer 0's, is written as one <em>zero head</em>: q, k, v and o weights all zero, so
 *       the block adds exactly o_proj's bias (or nothing).</li>
 *   <li>{@code n_ff = 0} skips the rest of the layer, which also drops the attention output of
 *       a layer that has attention (and the row selection of the last layer). So an emptied MLP
 *       is written as one <em>zero channel</em> (gate, up and down all zero: the block adds
 *       exactly down_proj's bias, or nothing) unless the whole layer is empty, not the last, and
 *       has no biases; such a layer is written with n_head = n_ff = 0 and costs nothing.</li>
 * </ul>
 */
public record GgufLayout(String architecture, List<LayerPlan> layers, int headDim) {

    /**
     * What one layer is written as: heads and kv heads (1/1 for a zero head), MLP width (1 for a
     * zero channel), and whether the block is such a stand-in.
     */
    public record LayerPlan(int heads, int kvHeads, int ff, boolean zeroHead, boolean zeroChannel) {}

    public static GgufLayout of(LlamaModel model) {
        ModelConfig c = model.config();
        int headDim = -1;
        for (LayerShape s : c.layers()) {
            if (headDim < 0) headDim = s.headDim();
            else if (s.headDim() != headDim)
                throw new dev.lopper.BadInputException("layers differ in head size (" + headDim + " vs " + s.headDim()
                        + "): llama.cpp has one head size per model");
        }
        List<LayerPlan> plans = new ArrayList<>();
        int last = c.numLayers() - 1;
        for (int l = 0; l <= last; l++) {
            LayerShape s = c.layer(l);
            LayerWeights w = model.layer(l);
            boolean zeroHead = s.heads() == 0 && (GgufExport.nonZero(w.bo()) || l == 0);
            int heads = zeroHead ? 1 : s.heads(), kv = zeroHead ? 1 : s.kvHeads();
            boolean zeroChannel = s.intermediate() == 0 && (heads > 0 || GgufExport.nonZero(w.bDown()) || l == last);
            plans.add(new LayerPlan(heads, kv, zeroChannel ? 1 : s.intermediate(), zeroHead, zeroChannel));
            if (s.heads() > 0 && GgufExport.nonZero(w.bq()) && s.qDim() != c.hiddenSize())
                throw new dev.lopper.BadInputException("layer " + l + " has q/k/v biases and " + s.heads()
                        + " heads: llama.cpp expects a q bias as wide as the hidden size (" + c.hiddenSize() + ")");
        }
        boolean uniform = plans.stream().distinct().count() == 1 && !plans.get(0).zeroHead()
                && !plans.get(0).zeroChannel() && plans.get(0).heads() > 0 && plans.get(0).ff() > 0;
        return new GgufLayout(uniform ? "llama" : DECI, plans, headDim);
    }

    /** llama.cpp's graph with per-layer head counts and MLP widths. */
    static final String DECI = "deci";

    /** Whether heads and widths are written per layer (the deci graph). */
    public boolean perLayer() { return architecture.equals(DECI); }

    public LayerPlan layer(int l) { return layers.get(l); }
}
