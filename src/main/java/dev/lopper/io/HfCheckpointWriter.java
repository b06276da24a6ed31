package dev.lopper.io;

import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
        SafeTensorsWriter.write(folder.resolve("model.safetensors"), tensors(model, written));
        HfConfig.write(written, model.embed().dtype(), folder.resolve(HfConfig.FILE_NAME));
    }

    /** The config as written: bias flags widened to HF's all-or-nothing ones (BLOOM has all biases already). */
    private static ModelConfig written(ModelConfig c) {
        boolean attn = c.qkvBias() || c.oBias();
        boolean mlp = c.mlpBias() || c.downBias();
        return c.withBiases(attn, attn, mlp, mlp);
    }

    static Map<String, ShapedTensor> tensors(LlamaModel model, boolean attnBias, boolean mlpBias) {
        return tensors(model, model.config().withBiases(attnBias, attnBias, mlpBias, mlpBias));
    }

    private static Map<String, ShapedTensor> tensors(LlamaModel model, ModelConfig written) {
        Map<String, ShapedTensor> out = new LinkedHashMap<>();
        String prefix = HfLayout.Family.of(written.architecture()) == HfLayout.Family.BLOOM ? "transformer." : "";
        for (HfLayout.Entry e : HfLayout.entries(written, prefix)) {
            long[] shape = e.shape(written).stream().mapToLong(Long::longValue).toArray();
            Matrix m = e.packing() == HfLayout.Packing.NONE ? tensor(model, e.parts().getFirst(), e.layer())
                    : packed(model, written, e);
            out.put(e.name(), new ShapedTensor(m, shape));
        }
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
