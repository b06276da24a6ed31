package dev.lopper.io;

import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import dev.lopper.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes config.json + model.safetensors into a folder, with tensor names and packing from the
 * family's {@link HfLayout} (packed tensors are re-packed). HF's Llama bias flags are
 * all-or-nothing per block, so when a model has some attention (or MLP) biases, the missing ones
 * are written as zeros. BLOOM is written with the "transformer." prefix, as HF saves it.
 */
final class HfCheckpointWriter {
    private HfCheckpointWriter() {}

    static void writeInto(LlamaModel model, Path folder) throws IOException {
        ModelConfig written = written(model.config());
        SafeTensorsWriter.writeModel(folder, lazyTensors(model, written), SafeTensorsWriter.HF_MAX_SHARD_BYTES);
        HfConfig.write(written, model.embed().dtype(), folder.resolve(HfConfig.FILE_NAME));
    }

    /**
     * The tensors in file order, each made only when written: with surgery's lazy layers one cut
     * layer is in memory at a time. Dtypes come from the layers' outlines (nothing is cut for them).
     */
    private static List<SafeTensorsWriter.Tensor> lazyTensors(LlamaModel model, ModelConfig written) {
        List<SafeTensorsWriter.Tensor> out = new ArrayList<>();
        String prefix = written.family().hfPrefixes().getFirst();
        for (HfLayout.Entry e : HfLayout.entries(written, prefix)) {
            long[] shape = e.shape(written).stream().mapToLong(Long::longValue).toArray();
            DType dtype = dtype(model, e.parts().getFirst(), e.layer());
            Supplier<Matrix> data = e.packing() == Family.Packing.NONE ? () -> tensor(model, e.parts().getFirst(), e.layer())
                    : () -> packed(model, written, e);
            out.add(new SafeTensorsWriter.Tensor(e.name(), dtype, shape, data));
        }
        return out;
    }

    /** The dtype {@link #tensor} will have, without cutting a lazy layer. */
    private static DType dtype(LlamaModel model, Param p, int layer) {
        Matrix m = p.perLayer ? p.of(model.outline(layer)) : p.of(model, layer);
        return m != null ? m.dtype() : model.outline(layer).wo().dtype();
    }

    /** The config as written: bias flags widened to HF's all-or-nothing ones (BLOOM has all biases already). */
    private static ModelConfig written(ModelConfig c) {
        boolean attn = c.qkvBias() || c.oBias();
        boolean mlp = c.mlpBias() || c.downBias();
        return c.toBuilder().qkvBias(attn).oBias(attn).mlpBias(mlp).downBias(mlp).build();
    }

    static Map<String, ShapedTensor> tensors(LlamaModel model, boolean attnBias, boolean mlpBias) {
        return tensors(model, model.config().toBuilder().qkvBias(attnBias).oBias(attnBias).mlpBias(mlpBias)
                .downBias(mlpBias).build());
    }

    private static Map<String, ShapedTensor> tensors(LlamaModel model, ModelConfig written) {
        Map<String, ShapedTensor> out = new LinkedHashMap<>();
        for (SafeTensorsWriter.Tensor t : lazyTensors(model, written))
            out.put(t.name(), new ShapedTensor(t.data().get(), t.shape()));
        return out;
    }

    /** The model's tensor, or zeros in the dtype of the layer's weights when the model has none (an absent bias). */
    private static Matrix tensor(LlamaModel model, Param p, int layer) {
        Matrix m = p.of(model, layer);
        if (m != null) return m;
        ModelConfig c = model.config();
        LayerShape s = c.layer(layer);
        return Matrix.fromFloats(new float[p.cols(c, s)], 1, p.cols(c, s), model.layer(layer).wo().dtype());
    }

    /** The parts of a packed entry put back in their rows (entries of a vector). */
    private static Matrix packed(LlamaModel model, ModelConfig c, HfLayout.Entry e) {
        int[][] split = e.split(c);
        Matrix first = tensor(model, e.parts().getFirst(), e.layer());
        int width = e.vector() ? 1 : first.cols();
        int lines = 0;
        for (int[] idx : split) lines += idx.length;
        float[] v = new float[lines * width];
        for (int i = 0; i < split.length; i++) {
            float[] part = tensor(model, e.parts().get(i), e.layer()).toFloats();
            for (int r = 0; r < split[i].length; r++) System.arraycopy(part, r * width, v, split[i][r] * width, width);
        }
        return e.vector() ? Matrix.fromFloats(v, 1, lines, first.dtype()) : Matrix.fromFloats(v, lines, width, first.dtype());
    }
}
