package dev.lopper.io.gguf;

import dev.lopper.BadInputException;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfFamilyFixture;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.surgery.Surgery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GGUF export and read-back of the other families (llama.cpp itself runs these files in
 * {@link LlamaCppFamilyTest}): BLOOM → bloom, ALiBi Baichuan → baichuan, RoPE Baichuan → llama/deci;
 * dense and pruned, each read back with the same shapes, ALiBi heads and bitwise the same logits.
 * Refused, leaving no file: ALiBi Baichuan with a layer count llama.cpp does not run with ALiBi,
 * and o_proj biases the baichuan graph does not have.
 */
class GgufFamilyExportTest {
    @TempDir
    Path tmp;

    static final GgufExport.Options F32 = new GgufExport.Options(GgmlType.F32, "t");
    static final int VOCAB = 512;

    /** BLOOM, 6 heads (slopes of a head count that is not a power of two), 2 layers. */
    static LlamaModel bloom(Path dir) throws Exception {
        return Checkpoints.load(bloomFixture().write(dir));
    }

    static HfFamilyFixture bloomFixture() {
        return HfFamilyFixture.bloom(5, 48, 6, 2, VOCAB, true, false);
    }

    /** Baichuan-13B style: ALiBi, NormHead, 40 layers (the count llama.cpp runs with ALiBi). */
    static LlamaModel baichuanAlibi(Path dir) throws Exception {
        return Checkpoints.load(HfFamilyFixture.baichuan(6, false, 32, 4, 40, 48, VOCAB, true).write(dir));
    }

    /** Baichuan-7B style: RoPE. */
    static LlamaModel baichuanRope(Path dir) throws Exception {
        return Checkpoints.load(HfFamilyFixture.baichuan(7, true, 32, 4, 2, 48, VOCAB, false).write(dir));
    }

    /** Keeps, per layer, the given heads and {@code widths[l]} channels spread evenly over the MLP. */
    static LlamaModel prune(LlamaModel dense, int[][] heads, int[] widths) {
        int n = heads.length;
        int[][] channels = new int[n][];
        for (int l = 0; l < n; l++) {
            int all = dense.config().layer(l).intermediate(), w = widths[l];
            channels[l] = IntStream.range(0, w).map(i -> (int) ((long) i * all / Math.max(w, 1))).toArray();
        }
        return Surgery.apply(dense, new KeepPlan(heads, channels));
    }

    /** BLOOM: layer 0 keeps heads 0, 2, 3, 5 and 100 channels; layer 1 heads 1, 4 and 150 channels. */
    static LlamaModel bloomPruned(LlamaModel dense) {
        return prune(dense, new int[][]{{0, 2, 3, 5}, {1, 4}}, new int[]{100, 150});
    }

    /**
     * ALiBi Baichuan, 40 layers of 4 heads and 48 channels: every third layer keeps heads 1 and 3,
     * layer 7 none (attention emptied), the rest all; widths 48, 40, 32, 24, 16 in turn, layer 9 none.
     */
    static LlamaModel baichuanAlibiPruned(LlamaModel dense) {
        int n = dense.config().numLayers();
        int[][] heads = new int[n][];
        int[] widths = new int[n];
        for (int l = 0; l < n; l++) {
            heads[l] = l == 7 ? new int[0] : l % 3 == 0 ? new int[]{1, 3} : new int[]{0, 1, 2, 3};
            widths[l] = l == 9 ? 0 : 48 - 8 * (l % 5);
        }
        return prune(dense, heads, widths);
    }

    /** RoPE Baichuan: layer 0 keeps heads 0, 1, 3 and 30 channels, layer 1 head 2 and 40 channels (deci). */
    static LlamaModel baichuanRopePruned(LlamaModel dense) {
        return prune(dense, new int[][]{{0, 1, 3}, {2}}, new int[]{30, 40});
    }

    static int[] tokens(long seed, int n) {
        return dev.lopper.model.TestModels.tokens(seed, n, VOCAB);
    }

    private void roundTrip(String name, LlamaModel model, String arch) {
        Path file = tmp.resolve(name + ".gguf");
        GgufLayout layout = GgufExport.write(model, Map.of(), F32, file);
        assertEquals(arch, layout.architecture(), name);
        LlamaModel back = Checkpoints.load(file);
        assertEquals(model.config().layers(), back.config().layers(), name + ": layer shapes");
        assertEquals(model.config().ops().withNormHead(false), back.config().ops(), name + ": block ops");
        for (int l = 0; l < model.config().numLayers(); l++) {
            LayerShape s = model.config().layer(l);
            if (model.config().ops().position() == dev.lopper.model.BlockOps.Position.ALIBI)
                assertArrayEquals(model.config().alibiSlopes(l), back.config().alibiSlopes(l), name + ": ALiBi slopes of layer " + l);
            assertEquals(s, back.config().layer(l));
        }
        int[] t = tokens(3, 24);
        float[] a = new Transformer(model).logits(t, 1, t.length, dev.lopper.model.Pass.plain());
        float[] b = new Transformer(back).logits(t, 1, t.length, dev.lopper.model.Pass.plain());
        assertArrayEquals(a, b, name + ": logits after export and read-back");
    }

    @Test
    void bloomExportsAsBloomAndReadsBack() throws Exception {
        LlamaModel dense = bloom(tmp.resolve("bloom"));
        roundTrip("bloom", dense, "bloom");
        roundTrip("bloom-pruned", bloomPruned(dense), "bloom");
    }

    @Test
    void alibiBaichuanExportsAsBaichuanAndReadsBack() throws Exception {
        LlamaModel dense = baichuanAlibi(tmp.resolve("b13"));
        roundTrip("baichuan-alibi", dense, "baichuan");
        roundTrip("baichuan-alibi-pruned", baichuanAlibiPruned(dense), "baichuan");
    }

    @Test
    void ropeBaichuanExportsAsLlamaOrDeciAndReadsBack() throws Exception {
        LlamaModel dense = baichuanRope(tmp.resolve("b7"));
        roundTrip("baichuan-rope", dense, "llama");
        roundTrip("baichuan-rope-pruned", baichuanRopePruned(dense), "deci");
    }

    @Test
    void paddedLayersAreZeroWhereHeadsAndChannelsWerePruned() throws Exception {
        // Without Lopper's keys, the file is the padded model llama.cpp sees: dense shapes with zero heads/channels.
        LlamaModel pruned = bloomPruned(bloom(tmp.resolve("bloom")));
        Path file = tmp.resolve("p.gguf");
        GgufExport.write(pruned, Map.of(), F32, file);
        GgufFile f = GgufFile.open(file);
        assertEquals(6L, f.u32("bloom.attention.head_count"));
        assertEquals(150L, f.u32("bloom.feed_forward_length"));
        GgufFile.TensorInfo qkv = f.tensors().get("blk.1.attn_qkv.weight");
        assertArrayEquals(new long[]{48, 3 * 48}, qkv.ne());
        float[] v = new float[3 * 48 * 48];
        Quant.decode(GgmlType.F32, f.bytes(qkv), 0, v, 0, v.length);
        // layer 1 kept heads 1 and 4: q rows of head 0 (rows 0..7) are zero, head 1's (8..15) are the model's
        float[] q1 = pruned.layer(1).wq().toFloats();
        for (int c = 0; c < 48; c++) {
            assertEquals(0f, v[3 * 48 + c], "q row 3 of pruned head 0");
            assertEquals(q1[c], v[8 * 48 + c], "q row 0 of kept head 1 at its dense place");
            assertEquals(q1[8 * 48 + c], v[4 * 8 * 48 + c], "q row 0 of kept head 4 at its dense place");
        }
    }

    @Test
    void alibiBaichuanOfAnotherLayerCountIsRefusedWithoutAFile() throws Exception {
        LlamaModel alibi = Checkpoints.load(HfFamilyFixture.baichuan(4, false, 32, 8, 1, 24, 40, false).write(tmp.resolve("b13")));
        Path out = tmp.resolve("b13.gguf");
        BadInputException e = assertThrows(BadInputException.class, () -> GgufExport.write(alibi, Map.of(), F32, out));
        assertTrue(e.getMessage().contains("40-layer") && e.getMessage().contains("1 layers"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void alibiBaichuanWithCompensationBiasIsRefusedWithoutAFile() throws Exception {
        LlamaModel dense = baichuanAlibi(tmp.resolve("b13"));
        int n = dense.config().numLayers(), h = dense.config().hiddenSize();
        int[][] heads = new int[n][], channels = new int[n][];
        float[][] oDelta = new float[n][], downDelta = new float[n][];
        for (int l = 0; l < n; l++) {
            heads[l] = new int[]{0, 1, 2, 3};
            channels[l] = IntStream.range(0, 40).toArray();
            oDelta[l] = new float[h];
            downDelta[l] = new float[h];
        }
        oDelta[3][5] = 0.25f;
        LlamaModel flap = Surgery.apply(dense, new KeepPlan(heads, channels, oDelta, downDelta));
        Path out = tmp.resolve("flap.gguf");
        BadInputException e = assertThrows(BadInputException.class, () -> GgufExport.write(flap, Map.of(), F32, out));
        assertTrue(e.getMessage().contains("layer 3") && e.getMessage().contains("o_proj.bias"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
