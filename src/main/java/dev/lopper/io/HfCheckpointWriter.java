package dev.lopper.io;

import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes config.json + model.safetensors into a folder. HF's bias flags are all-or-nothing per
 * block, so when a model has some attention (or MLP) biases, the missing ones are written as zeros.
 */
final class HfCheckpointWriter {
    private HfCheckpointWriter() {}

    static void writeInto(LlamaModel model, Path folder) throws IOException {
        ModelConfig c = model.config();
        boolean attn = c.qkvBias() || c.oBias();
        boolean mlp = c.mlpBias() || c.downBias();
        ModelConfig written = c.withBiases(attn, attn, mlp, mlp);
        SafeTensorsWriter.write(folder.resolve("model.safetensors"), tensors(model, attn, mlp));
        HfConfig.write(written, model.embed().dtype(), folder.resolve(HfConfig.FILE_NAME));
    }

    static Map<String, ShapedTensor> tensors(LlamaModel model, boolean attnBias, boolean mlpBias) {
        Map<String, ShapedTensor> out = new LinkedHashMap<>();
        ModelConfig c = model.config();
        out.put("model.embed_tokens.weight", ShapedTensor.matrix(model.embed()));
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWeights l = model.layer(i);
            LayerShape s = c.layer(i);
            int h = c.hiddenSize();
            String p = "model.layers." + i + ".";
            out.put(p + "input_layernorm.weight", ShapedTensor.vector(l.attnNorm()));
            out.put(p + "self_attn.q_proj.weight", ShapedTensor.matrix(l.wq()));
            out.put(p + "self_attn.k_proj.weight", ShapedTensor.matrix(l.wk()));
            out.put(p + "self_attn.v_proj.weight", ShapedTensor.matrix(l.wv()));
            out.put(p + "self_attn.o_proj.weight", ShapedTensor.matrix(l.wo()));
            if (attnBias) {
                out.put(p + "self_attn.q_proj.bias", bias(l.bq(), s.qDim(), l.wq()));
                out.put(p + "self_attn.k_proj.bias", bias(l.bk(), s.kvDim(), l.wk()));
                out.put(p + "self_attn.v_proj.bias", bias(l.bv(), s.kvDim(), l.wv()));
                out.put(p + "self_attn.o_proj.bias", bias(l.bo(), h, l.wo()));
            }
            out.put(p + "post_attention_layernorm.weight", ShapedTensor.vector(l.mlpNorm()));
            out.put(p + "mlp.gate_proj.weight", ShapedTensor.matrix(l.gate()));
            out.put(p + "mlp.up_proj.weight", ShapedTensor.matrix(l.up()));
            out.put(p + "mlp.down_proj.weight", ShapedTensor.matrix(l.down()));
            if (mlpBias) {
                out.put(p + "mlp.gate_proj.bias", bias(l.bGate(), s.intermediate(), l.gate()));
                out.put(p + "mlp.up_proj.bias", bias(l.bUp(), s.intermediate(), l.up()));
                out.put(p + "mlp.down_proj.bias", bias(l.bDown(), h, l.down()));
            }
        }
        out.put("model.norm.weight", ShapedTensor.vector(model.finalNorm()));
        if (!c.tieWordEmbeddings()) out.put("lm_head.weight", ShapedTensor.matrix(model.lmHead()));
        return out;
    }

    /** The bias as a 1-D tensor, or zeros in the weight's dtype when the layer has none. */
    private static ShapedTensor bias(Matrix b, int n, Matrix weight) {
        return ShapedTensor.vector(b != null ? b : Matrix.fromFloats(new float[n], 1, n, weight.dtype()));
    }
}
