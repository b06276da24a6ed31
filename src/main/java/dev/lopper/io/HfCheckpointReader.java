package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.Family;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link LlamaModel} from a HF folder: config.json plus model.safetensors or a sharded
 * index, with tensor names and packing from the family's {@link HfLayout}. Every tensor's shape
 * is checked against the config; data stays memory-mapped, W_pack's parts too (they are row
 * ranges); BLOOM's query_key_value interleaves heads, so its q, k, v are copied out once.
 */
final class HfCheckpointReader {
    /** A layer's tensor in any family's names (model.layers.N., [transformer.]h.N., ...): group 1 is N. */
    private static final List<Pattern> LAYER = Family.ALL.stream().map(Family::hfLayerTensor).toList();

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
        return read(folder, LoadOptions.DEFAULT);
    }

    static LlamaModel read(Path folder, LoadOptions options) {
        Path configFile = folder.resolve(HfConfig.FILE_NAME);
        ModelConfig config = HfConfig.read(configFile, options);
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
        // the family's first prefix whose embeddings are in the file (BLOOM: "transformer." or none)
        List<String> prefixes = config.family().hfPrefixes();
        String prefix = prefixes.stream().filter(p -> tensors.info(config.family().hfName(Param.EMBED, -1, p)) != null)
                .findFirst().orElse(prefixes.getLast());
        Map<Param, Matrix> global = new EnumMap<>(Param.class);
        List<Map<Param, Matrix>> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) layers.add(new EnumMap<>(Param.class));
        for (HfLayout.Entry e : HfLayout.entries(config, prefix)) {
            Map<Param, Matrix> into = e.layer() < 0 ? global : layers.get(e.layer());
            Matrix m = checked(e);
            if (e.packing() == Family.Packing.NONE) {
                into.put(e.parts().getFirst(), m);
                continue;
            }
            int[][] split = e.split(config);
            for (int i = 0; i < split.length; i++) into.put(e.parts().get(i), part(m, split[i], e.vector()));
        }
        List<LayerWeights> weights = layers.stream().map(l -> LayerWeights.from(l::get)).toList();
        Matrix embed = global.get(Param.EMBED);
        Matrix head = config.tieWordEmbeddings() ? embed : global.get(Param.LM_HEAD);
        checkAllUsed(embed);
        if (config.ops().normHead()) head = normalizedRows(head);
        return new LlamaModel(config, embed, weights, global.get(Param.FINAL_NORM), head,
                global.get(Param.FINAL_NORM_BIAS), global.get(Param.EMBED_NORM), global.get(Param.EMBED_NORM_BIAS));
    }

    /** num_hidden_layers must match the layers the checkpoint holds: never run a cut or padded model. */
    private void checkLayerCount() {
        int inFile = 0;
        for (String name : tensors.names()) {
            for (Pattern layer : LAYER) {
                Matcher m = layer.matcher(name);
                if (m.matches()) {
                    inFile = Math.max(inFile, Integer.parseInt(m.group(1)) + 1);
                    break;
                }
            }
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

    /**
     * One part of a packed tensor: a view of the mapped file when its rows are consecutive (W_pack's
     * q, k, v), else a copy (BLOOM's per-head rows, packed vectors).
     */
    private static Matrix part(Matrix packed, int[] rows, boolean vector) {
        if (vector) return packed.selectCols(rows);
        boolean consecutive = rows.length > 0 && rows[rows.length - 1] - rows[0] == rows.length - 1;
        return consecutive ? packed.rowRange(rows[0], rows.length) : packed.selectRows(rows);
    }

    /** Baichuan 2's NormHead: each row of the LM head divided by its L2 norm (torch's F.normalize, eps 1e-12). */
    static Matrix normalizedRows(Matrix w) {
        float[] v = w.toFloats();
        int cols = w.cols();
        for (int r = 0; r < w.rows(); r++) {
            double ss = 0;
            for (int c = 0; c < cols; c++) ss += (double) v[r * cols + c] * v[r * cols + c];
            double inv = 1.0 / Math.max(Math.sqrt(ss), 1e-12);
            for (int c = 0; c < cols; c++) v[r * cols + c] = (float) (v[r * cols + c] * inv);
        }
        return Matrix.fromFloats(v, w.rows(), cols, w.dtype());
    }

    private Matrix checked(HfLayout.Entry e) {
        String name = e.name();
        used.add(name);
        List<Long> expected = e.shape(config);
        TensorInfo info = tensors.info(name);
        if (info == null) throw new BadInputException(tensors.origin(), "no tensor '" + name + "' (expected shape " + expected + ")");
        if (!info.shape().equals(expected)) {
            String what = e.packing() == Family.Packing.NONE ? "" : ", which does not split into "
                    + e.parts().size() + " parts of " + config.layer(e.layer()).heads() + " heads of "
                    + config.layer(e.layer()).headDim();
            throw new BadInputException(tensors.fileOf(name), "tensor '" + name + "' has shape " + info.shape()
                    + what + ", expected " + expected + " from config.json");
        }
        return tensors.tensor(name);
    }
}
