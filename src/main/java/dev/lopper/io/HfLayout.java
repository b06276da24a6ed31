package dev.lopper.io;

import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a HF checkpoint, as loading and saving walk them: each family names its tensors
 * ({@link Family#hfName}) and says how tensors that share a name are packed ({@link
 * Family#hfPacking}); this class lists them in file order with their shapes and splits packed
 * ones. A HF tensor holds one Lopper tensor, or several packed along its rows (a vector's
 * entries): Baichuan's W_pack is q, k, v one after the other; BLOOM's query_key_value interleaves
 * them per head ([q_h; k_h; v_h] for h = 0, 1, ...).
 */
public final class HfLayout {
    private HfLayout() {}

    /**
     * One tensor of a HF checkpoint: its name, layer (-1 for global ones), the Lopper tensors it
     * holds in order and how they are packed.
     */
    public record Entry(String name, int layer, List<Param> parts, Family.Packing packing) {
        public boolean vector() { return parts.getFirst().vector(); }

        /** Its shape in the file for the config's shapes (1-D for norms and biases). */
        public List<Long> shape(ModelConfig c) {
            LayerShape s = layer < 0 ? null : c.layer(layer);
            long n = 0;
            for (Param p : parts) n += p.vector() ? p.cols(c, s) : p.rows(c, s);
            Param first = parts.getFirst();
            return first.vector() ? List.of(n) : List.of(n, (long) first.cols(c, s));
        }

        /**
         * For each part, the rows of the packed tensor (the entries of a packed vector) that it
         * takes, in order.
         */
        public int[][] split(ModelConfig c) {
            LayerShape s = layer < 0 ? null : c.layer(layer);
            int[][] idx = new int[parts.size()][];
            int[] len = new int[parts.size()];
            for (int i = 0; i < len.length; i++) {
                Param p = parts.get(i);
                len[i] = p.vector() ? p.cols(c, s) : p.rows(c, s);
                idx[i] = new int[len[i]];
            }
            if (packing != Family.Packing.PER_HEAD) {
                int off = 0;
                for (int i = 0; i < len.length; i++) {
                    for (int r = 0; r < len[i]; r++) idx[i][r] = off + r;
                    off += len[i];
                }
                return idx;
            }
            int d = s.headDim(), heads = s.heads(), row = 0;
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < len.length; i++) {
                    for (int t = 0; t < d; t++) idx[i][h * d + t] = row++;
                }
            }
            return idx;
        }
    }

    /**
     * The HF tensors of a model of config {@code c} in file order: global ones first, then each
     * layer's, then the final norm and LM head, named by the config's family; {@code prefix} is
     * one of the family's {@link Family#hfPrefixes()}.
     */
    public static List<Entry> entries(ModelConfig c, String prefix) {
        Family f = c.family();
        List<Entry> out = new ArrayList<>();
        for (Param p : List.of(Param.EMBED, Param.EMBED_NORM, Param.EMBED_NORM_BIAS)) add(out, f, c, p, -1, prefix);
        for (int l = 0; l < c.numLayers(); l++) {
            Map<String, List<Param>> packed = new LinkedHashMap<>();
            for (Param p : c.layerParams()) packed.computeIfAbsent(f.hfName(p, l, prefix), k -> new ArrayList<>()).add(p);
            for (Map.Entry<String, List<Param>> e : packed.entrySet()) {
                List<Param> parts = e.getValue();
                Family.Packing packing = parts.size() == 1 ? Family.Packing.NONE : f.hfPacking();
                if (packing == Family.Packing.NONE && parts.size() > 1)
                    throw new IllegalStateException(f.name() + " names " + parts + " alike but packs nothing");
                out.add(new Entry(e.getKey(), l, List.copyOf(parts), packing));
            }
        }
        for (Param p : List.of(Param.FINAL_NORM, Param.FINAL_NORM_BIAS, Param.LM_HEAD)) add(out, f, c, p, -1, prefix);
        return out;
    }

    private static void add(List<Entry> out, Family f, ModelConfig c, Param p, int layer, String prefix) {
        if (c.has(p)) out.add(new Entry(f.hfName(p, layer, prefix), layer, List.of(p), Family.Packing.NONE));
    }
}
