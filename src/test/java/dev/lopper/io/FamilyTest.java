package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.model.AlibiHeads;
import dev.lopper.model.BlockOps;
import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The family types: each owns its architecture names, its HF and GGUF tensor names and its
 * config fields; the lookups find every family by each of its names; a config of every family
 * survives config.json; ModelConfig and LayerWeights are built by name.
 */
class FamilyTest {
    @TempDir
    Path dir;

    @Test
    void everyArchitectureNameBelongsToExactlyOneFamily() {
        Set<String> hf = new HashSet<>(), gguf = new HashSet<>();
        for (Family f : Family.ALL) {
            assertFalse(f.architectures().isEmpty(), f.name());
            for (String a : f.architectures()) {
                assertTrue(hf.add(a), a + " is claimed twice");
                assertSame(f, Family.ofArchitecture(a), a);
            }
            for (String a : f.ggufArchitectures()) {
                assertTrue(gguf.add(a), a + " is claimed twice");
                assertSame(f, Family.ofGguf(a), a);
            }
            Family.GgufAlibiGraph g = f.ggufAlibiGraph();
            if (g != null) assertTrue(f.ggufArchitectures().contains(g.architecture()), f.name() + "'s graph is read back");
        }
        assertNull(Family.ofArchitecture("GPT2LMHeadModel"));
        assertNull(Family.ofGguf("gpt2"));
        assertEquals(List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "BloomForCausalLM",
                "BaichuanForCausalLM", "BaiChuanForCausalLM"), Family.allArchitectures());
        assertEquals(List.of("llama", "deci", "bloom", "baichuan"), Family.allGguf());
    }

    /** Names as the families' HF checkpoints and llama.cpp spell them (transformers' modeling files, llama-arch.cpp). */
    @Test
    void tensorNamesAreEachFamilysOwn() {
        assertEquals("model.layers.3.self_attn.k_proj.weight", Family.LLAMA.hfName(Param.K, 3, ""));
        assertEquals("model.layers.3.mlp.down_proj.bias", Family.LLAMA.hfName(Param.BDOWN, 3, ""));
        assertEquals("model.norm.weight", Family.LLAMA.hfName(Param.FINAL_NORM, -1, ""));
        assertEquals("model.layers.3.self_attn.W_pack.weight", Family.BAICHUAN.hfName(Param.K, 3, ""));
        assertEquals("model.layers.3.self_attn.W_pack.bias", Family.BAICHUAN.hfName(Param.BQ, 3, ""));
        assertEquals("model.layers.3.self_attn.o_proj.weight", Family.BAICHUAN.hfName(Param.O, 3, ""));
        assertEquals("transformer.h.3.self_attention.query_key_value.weight", Family.BLOOM.hfName(Param.V, 3, "transformer."));
        assertEquals("h.3.mlp.dense_4h_to_h.bias", Family.BLOOM.hfName(Param.BDOWN, 3, ""));
        assertEquals("transformer.word_embeddings_layernorm.bias", Family.BLOOM.hfName(Param.EMBED_NORM_BIAS, -1, "transformer."));
        assertEquals("lm_head.weight", Family.BLOOM.hfName(Param.LM_HEAD, -1, "transformer."));
        assertThrows(IllegalArgumentException.class, () -> Family.BLOOM.hfName(Param.GATE, 0, ""));

        assertEquals("blk.3.attn_k.weight", Family.LLAMA.ggufName(Param.K, 3));
        assertEquals("blk.3.attn_k.weight", Family.BAICHUAN.ggufName(Param.K, 3));
        assertEquals("blk.3.attn_qkv.weight", Family.BLOOM.ggufName(Param.K, 3));
        assertEquals("blk.3.attn_qkv.bias", Family.BLOOM.ggufName(Param.BQ, 3));
        assertEquals("token_embd_norm.weight", Family.BLOOM.ggufName(Param.EMBED_NORM, -1));
        assertEquals("blk.0.ffn_down.bias", Family.BLOOM.ggufName(Param.BDOWN, 0));
        for (Param p : Param.values()) {
            assertEquals(Family.BLOOM.ggufPacked(p), Set.of(Param.Q, Param.K, Param.V, Param.BQ, Param.BK, Param.BV).contains(p), p.name());
            assertFalse(Family.LLAMA.ggufPacked(p) || Family.BAICHUAN.ggufPacked(p), p.name());
        }
    }

    /** Every tensor of every family's config has one HF entry; only tensors the family packs share a name. */
    @Test
    void layoutCoversEveryTensorOnce() {
        for (Family f : Family.ALL) {
            ModelConfig c = config(f);
            for (String prefix : f.hfPrefixes()) {
                Set<Param> global = new HashSet<>();
                List<Set<Param>> perLayer = List.of(new HashSet<>(), new HashSet<>());
                Set<String> names = new HashSet<>();
                for (HfLayout.Entry e : HfLayout.entries(c, prefix)) {
                    assertTrue(names.add(e.name()), e.name() + " twice");
                    assertEquals(e.parts().size() > 1 ? f.hfPacking() : Family.Packing.NONE, e.packing(), e.name());
                    for (Param p : e.parts()) assertTrue((e.layer() < 0 ? global : perLayer.get(e.layer())).add(p));
                    if (e.layer() >= 0) assertTrue(f.hfLayerTensor().matcher(e.name()).matches(), e.name());
                }
                assertEquals(Set.copyOf(c.globalParams()), global, f.name());
                for (Set<Param> l : perLayer) assertEquals(Set.copyOf(c.layerParams()), l, f.name());
            }
        }
    }

    /** A config of each family, uneven layers and (ALiBi) pruned heads included, reads back equal from config.json. */
    @Test
    void everyFamilysConfigSurvivesConfigJson() throws Exception {
        for (Family f : Family.ALL) {
            ModelConfig c = config(f);
            Path p = dir.resolve(f.name() + ".json");
            HfConfig.write(c, DType.BF16, p);
            JsonNode json = new ObjectMapper().readTree(p.toFile());
            assertEquals(c.architecture(), json.get("architectures").get(0).asText());
            ModelConfig back = HfConfig.read(p);
            assertSame(f, back.family());
            assertEquals(c, back, f.name());
        }
    }

    @Test
    void builderStartsFromTheFamilysPresetAndRefusesAnotherFamilysName() {
        ModelConfig c = ModelConfig.builder(Family.BLOOM).hiddenSize(8).vocabSize(10)
                .layers(List.of(new LayerShape(2, 2, 4, 32))).build();
        assertEquals("BloomForCausalLM", c.architecture());
        assertEquals(Family.BLOOM.ops(), c.ops());
        assertEquals(2048, c.maxPositions());
        assertEquals(-1, c.bosTokenId());
        assertEquals(c, c.toBuilder().build());
        assertNotEquals(c, c.toBuilder().oBias(true).build());
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.builder(Family.LLAMA).architecture("BloomForCausalLM")
                .hiddenSize(8).vocabSize(10).layers(List.of()).build());
        assertThrows(IllegalStateException.class, () -> ModelConfig.builder(Family.LLAMA).hiddenSize(8).vocabSize(10).build());
    }

    @Test
    void layerWeightsAreKeyedByKind() {
        Matrix q = Matrix.zeros(4, 8), o = Matrix.zeros(8, 4);
        LayerWeights w = LayerWeights.builder().put(Param.Q, q).put(Param.O, o).put(Param.BQ, null).build();
        assertSame(q, w.wq());
        assertSame(q, w.get(Param.Q));
        assertSame(o, w.wo());
        assertNull(w.bq());
        assertNull(w.gate());
        assertEquals(w, LayerWeights.from(p -> p == Param.Q ? q : p == Param.O ? o : null));
        assertNull(w.toBuilder().put(Param.O, null).build().wo());
        assertThrows(IllegalArgumentException.class, () -> w.get(Param.EMBED));
        assertThrows(IllegalArgumentException.class, () -> LayerWeights.builder().put(Param.LM_HEAD, q));
    }

    /** Two uneven layers; BLOOM and ALiBi Baichuan with pruned heads, Baichuan with NormHead; any other family as a RoPE model with biases. */
    private static ModelConfig config(Family f) {
        List<LayerShape> layers = List.of(new LayerShape(4, 4, 8, 40), new LayerShape(2, 2, 8, 24));
        ModelConfig.Builder b = ModelConfig.builder(f).hiddenSize(32).vocabSize(50).maxPositions(128).layers(layers)
                .bosTokenId(1).eosTokenId(2);
        AlibiHeads kept = new AlibiHeads(4, List.of(List.of(0, 1, 2, 3), List.of(1, 3)));
        if (f == Family.BLOOM)
            return b.tieWordEmbeddings(true).qkvBias(true).oBias(true).mlpBias(true).downBias(true).alibi(kept).build();
        if (f == Family.BAICHUAN)
            return b.rmsNormEps(1e-6f).ops(f.ops().withPosition(BlockOps.Position.ALIBI).withNormHead(true)).alibi(kept).build();
        return b.layers(List.of(new LayerShape(4, 2, 8, 40), new LayerShape(2, 1, 8, 24)))
                .ropeTheta(500000f).qkvBias(true).oBias(true).build();
    }
}
