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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link LlamaModel} from a HF folder: config.json plus model.safetensors or a sharded
 * index. Every tensor's shape is checked against the config; data stays memory-mapped.
 */
final class HfCheckpointReader {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\..*");

    private final Path configFile;
    private final ModelConfig config;
    private final TensorSource tensors;
    /** Every tensor the architecture read; the rest must be harmless or the checkpoint is refused. */
    private final Set<String> used = new HashSet<>();

    private HfCheckpointReader(Path configFile, ModelConfig config, TensorSource tensors) {
        this.configFile = configFile;
        this.config = config;
        this.tensors = tensors;
    }

    static LlamaModel read(Path folder) {
        Path configFile = folder.resolve(HfConfig.FILE_NAME);
        ModelConfig config = HfConfig.read(configFile);
        return new HfCheckpointReader(configFile, config, openTensors(folder)).model();
    }

    private static TensorSource openTensors(Path folder) {
        Path index = folder.resolve(ShardedSafeTensors.INDEX_NAME);
        if (Files.isRegularFile(index)) return ShardedSafeTensors.open(index);
        Path single = folder.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return SafeTensorsFile.open(single);
        for (String pickle : List.of("pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth")) {
            if (Files.isRegularFile(folder.resolve(pickle)))
                throw new BadInputException(folder.resolve(pickle), Checkpoints.PICKLE_PROBLEM);
        }
        throw new BadInputException(folder, "no model.safetensors or " + ShardedSafeTensors.INDEX_NAME + " in this folder");
    }

    private LlamaModel model() {
        checkLayerCount();
        int h = config.hiddenSize();
        Matrix embed = matrix("model.embed_tokens.weight", config.vocabSize(), h);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) layers.add(layer(i, config.layer(i)));
        Matrix norm = vector("model.norm.weight", h);
        Matrix lmHead = config.tieWordEmbeddings() ? embed : matrix("lm_head.weight", config.vocabSize(), h);
        checkAllUsed(embed);
        return new LlamaModel(config, embed, layers, norm, lmHead);
    }

    /** num_hidden_layers must match the layers the checkpoint holds: never run a cut or padded model. */
    private void checkLayerCount() {
        int inFile = 0;
        for (String name : tensors.names()) {
            Matcher m = LAYER.matcher(name);
            if (m.matches()) inFile = Math.max(inFile, Integer.parseInt(m.group(1)) + 1);
        }
        // No layer tensors at all is a broken checkpoint, not a count: the missing-tensor error names what is missing.
        if (inFile != config.numLayers() && inFile > 0) {
            throw new BadInputException(configFile, "num_hidden_layers is " + config.numLayers() + ", but "
                    + tensors.origin().getFileName() + " holds tensors for " + inFile + " layers");
        }
    }

    /**
     * Refuses tensors the architecture does not use (a bias the config does not declare, a
     * layer of another kind): running without them would be a different model. Harmless:
     * RoPE's {@code inv_freq} buffers (Lopper computes RoPE from the config) and, with tied
     * embeddings, an {@code lm_head.weight} that is a byte-for-byte copy of the embeddings.
     */
    private void checkAllUsed(Matrix embed) {
        Set<String> unused = new TreeSet<>(tensors.names());
        unused.removeAll(used);
        unused.removeIf(n -> n.endsWith(".rotary_emb.inv_freq"));
        if (config.tieWordEmbeddings() && unused.contains("lm_head.weight")) {
            TensorInfo info = tensors.info("lm_head.weight");
            if (info.shape().equals(List.of((long) config.vocabSize(), (long) config.hiddenSize()))
                    && info.dtype() == embed.dtype()
                    && tensors.tensor("lm_head.weight").segment().mismatch(embed.segment()) == -1) {
                unused.remove("lm_head.weight");
            }
        }
        if (unused.isEmpty()) return;
        String first = unused.iterator().next();
        throw new BadInputException(tensors.fileOf(first), "tensor '" + first + "'"
                + (unused.size() > 1 ? " (and " + (unused.size() - 1) + " more)" : "") + " is not used by the "
                + config.architecture() + " that config.json describes; Lopper will not run a model other than"
                + " the checkpoint holds");
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
        used.add(name);
        TensorInfo info = tensors.info(name);
        if (info == null) throw new BadInputException(tensors.origin(), "no tensor '" + name + "' (expected shape " + expected + ")");
        if (!info.shape().equals(expected)) {
            throw new BadInputException(tensors.fileOf(name), "tensor '" + name + "' has shape " + info.shape()
                    + ", expected " + expected + " from config.json");
        }
        return tensors.tensor(name);
    }
}
