package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.Matrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link LlamaModel} from a HF folder: config.json plus model.safetensors or a sharded
 * index. Every tensor's shape is checked against the config; data stays memory-mapped.
 */
final class HfCheckpointReader {
    private final ModelConfig config;
    private final TensorSource tensors;

    private HfCheckpointReader(ModelConfig config, TensorSource tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    static LlamaModel read(Path folder) {
        ModelConfig config = HfConfig.read(folder.resolve(HfConfig.FILE_NAME));
        return new HfCheckpointReader(config, openTensors(folder)).model();
    }

    private static TensorSource openTensors(Path folder) {
        Path index = folder.resolve(ShardedSafeTensors.INDEX_NAME);
        if (Files.isRegularFile(index)) return ShardedSafeTensors.open(index);
        Path single = folder.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return SafeTensorsFile.open(single);
        throw new BadInputException(folder, "no model.safetensors or " + ShardedSafeTensors.INDEX_NAME + " in this folder");
    }

    private LlamaModel model() {
        int h = config.hiddenSize();
        Matrix embed = matrix("model.embed_tokens.weight", config.vocabSize(), h);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) layers.add(layer(i, config.layer(i)));
        Matrix norm = vector("model.norm.weight", h);
        Matrix lmHead = config.tieWordEmbeddings() ? embed : matrix("lm_head.weight", config.vocabSize(), h);
        return new LlamaModel(config, embed, layers, norm, lmHead);
    }

    private LayerWeights layer(int i, LayerShape s) {
        String p = "model.layers." + i + ".";
        int h = config.hiddenSize(), q = s.qDim(), kv = s.kvDim(), f = s.intermediate();
        boolean qkv = config.qkvBias(), o = config.oBias(), mlp = config.mlpBias(), down = config.downBias();
        return new LayerWeights(
                vector(p + "input_layernorm.weight", h),
                matrix(p + "self_attn.q_proj.weight", q, h),
                matrix(p + "self_attn.k_proj.weight", kv, h),
                matrix(p + "self_attn.v_proj.weight", kv, h),
                matrix(p + "self_attn.o_proj.weight", h, q),
                qkv ? vector(p + "self_attn.q_proj.bias", q) : null,
                qkv ? vector(p + "self_attn.k_proj.bias", kv) : null,
                qkv ? vector(p + "self_attn.v_proj.bias", kv) : null,
                o ? vector(p + "self_attn.o_proj.bias", h) : null,
                vector(p + "post_attention_layernorm.weight", h),
                matrix(p + "mlp.gate_proj.weight", f, h),
                matrix(p + "mlp.up_proj.weight", f, h),
                matrix(p + "mlp.down_proj.weight", h, f),
                mlp ? vector(p + "mlp.gate_proj.bias", f) : null,
                mlp ? vector(p + "mlp.up_proj.bias", f) : null,
                down ? vector(p + "mlp.down_proj.bias", h) : null);
    }

    private Matrix matrix(String name, long rows, long cols) {
        return checked(name, List.of(rows, cols));
    }

    private Matrix vector(String name, long n) {
        return checked(name, List.of(n));
    }

    private Matrix checked(String name, List<Long> expected) {
        TensorInfo info = tensors.info(name);
        if (info == null) throw new BadInputException(tensors.origin(), "no tensor '" + name + "' (expected shape " + expected + ")");
        if (!info.shape().equals(expected)) {
            throw new BadInputException(tensors.fileOf(name), "tensor '" + name + "' has shape " + info.shape()
                    + ", expected " + expected + " from config.json");
        }
        return tensors.tensor(name);
    }
}
