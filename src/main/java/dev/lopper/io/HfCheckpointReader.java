package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link LlamaModel} from a HF folder: config.json plus model.safetensors or a sharded
 * index, with tensor names and packing from the family's {@link HfLayout}. Every tensor's shape
 * is checked against the config; data stays memory-mapped, W_pack's parts too (they are row
 * ranges); BLOOM's query_key_value interleaves heads, so its q, k, v are copied out once.
 */
final class HfCheckpointReader {
    private final ModelConfig config;
    private final TensorSource tensors;

    private HfCheckpointReader(ModelConfig config, TensorSource tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    static LlamaModel read(Path folder) {
        return read(folder, LoadOptions.DEFAULT);
    }

    static LlamaModel read(Path folder, LoadOptions options) {
        ModelConfig config = HfConfig.read(folder.resolve(HfConfig.FILE_NAME), options);
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
        // BLOOM checkpoints are saved with and without the "transformer." prefix
        String prefix = tensors.info("transformer.word_embeddings.weight") != null ? "transformer." : "";
        Map<Param, Matrix> global = new EnumMap<>(Param.class);
        List<Map<Param, Matrix>> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) layers.add(new EnumMap<>(Param.class));
        for (HfLayout.Entry e : HfLayout.entries(config, prefix)) {
            Map<Param, Matrix> into = e.layer() < 0 ? global : layers.get(e.layer());
            Matrix m = checked(e);
            if (e.packing() == HfLayout.Packing.NONE) {
                into.put(e.parts().getFirst(), m);
                continue;
            }
            int[][] split = e.split(config);
            for (int i = 0; i < split.length; i++) into.put(e.parts().get(i), part(m, split[i], e.vector()));
        }
        List<LayerWeights> weights = layers.stream().map(l -> LayerWeights.from(l::get)).toList();
        Matrix embed = global.get(Param.EMBED);
        Matrix head = config.tieWordEmbeddings() ? embed : global.get(Param.LM_HEAD);
        if (config.ops().normHead()) head = normalizedRows(head);
        return new LlamaModel(config, embed, weights, global.get(Param.FINAL_NORM), head,
                global.get(Param.FINAL_NORM_BIAS), global.get(Param.EMBED_NORM), global.get(Param.EMBED_NORM_BIAS));
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
        List<Long> expected = e.shape(config);
        TensorInfo info = tensors.info(name);
        if (info == null) throw new BadInputException(tensors.origin(), "no tensor '" + name + "' (expected shape " + expected + ")");
        if (!info.shape().equals(expected)) {
            String what = e.packing() == HfLayout.Packing.NONE ? "" : ", which does not split into "
                    + e.parts().size() + " parts of " + config.layer(e.layer()).heads() + " heads of "
                    + config.layer(e.layer()).headDim();
            throw new BadInputException(tensors.fileOf(name), "tensor '" + name + "' has shape " + info.shape()
                    + what + ", expected " + expected + " from config.json");
        }
        return tensors.tensor(name);
    }
}
