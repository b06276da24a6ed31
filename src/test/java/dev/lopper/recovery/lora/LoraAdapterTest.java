package dev.lopper.recovery.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.io.SafeTensorsFile;
import dev.lopper.model.Adapter;
import dev.lopper.model.CausalLM;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Pass;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Merging, PEFT's files and the checks on them, on small random models with uneven layers. */
class LoraAdapterTest {
    @TempDir
    Path tmp;

    static final LoraSettings ALL = new LoraSettings(2, 4, 0.0, EnumSet.allOf(Projection.class));

    /** Adapters with B random too (B starts at zero, which would make merging trivially exact). */
    static LoraWeights trained(LlamaModel m, LoraSettings s, long seed) {
        LoraWeights w = LoraWeights.init(m, s, seed);
        Random rnd = new Random(seed);
        for (Adapter a : w.all()) for (int i = 0; i < a.b.length; i++) a.b[i] = (float) (0.3 * rnd.nextGaussian());
        return w;
    }

    @Test
    void mergedLogitsEqualTheUnmergedAdapters() {
        LlamaModel base = TestModels.uneven(1, true, false, DType.F32);
        LoraWeights lora = trained(base, ALL, 5);
        int[] tok = TestModels.tokens(3, 2 * 7, base.config().vocabSize());
        float[] plain = CausalLM.of(base).logits(tok, 2, 7, Pass.plain());
        float[] unmerged = CausalLM.of(base).logits(tok, 2, 7, Pass.plain().withAdapters(lora.withoutDropout()));
        float[] merged = CausalLM.of(lora.mergeInto(base)).logits(tok, 2, 7, Pass.plain());
        double diff = 0, moved = 0;
        for (int i = 0; i < plain.length; i++) {
            diff = Math.max(diff, Math.abs(merged[i] - unmerged[i]));
            moved = Math.max(moved, Math.abs(unmerged[i] - plain[i]));
        }
        assertTrue(moved > 0.1, "the adapters change the logits (" + moved + ")");
        assertTrue(diff < 1e-4, "merged vs unmerged: max |Δlogit| " + diff);
        assertEquals(base.config(), lora.mergeInto(base).config(), "same widths");
    }

    @Test
    void mergingKeepsTheBaseDtype() {
        LlamaModel base = TestModels.uneven(2, false, true, DType.BF16);
        LlamaModel merged = trained(base, ALL, 6).mergeInto(base);
        assertEquals(DType.BF16, merged.layer(0).wq().dtype());
        assertSame(base.layer(0).attnNorm(), merged.layer(0).attnNorm(), "untouched tensors are shared");
    }

    @Test
    void peftFilesRoundTripWithPeftsNamesShapesAndKeys() throws IOException {
        LlamaModel base = TestModels.uneven(3, false, false, DType.F32);
        LoraSettings s = new LoraSettings(3, 6, 0.05, EnumSet.of(Projection.Q, Projection.V, Projection.DOWN));
        LoraWeights lora = trained(base, s, 7);
        PeftAdapter.writeInto(tmp, lora, "/models/pruned");

        JsonNode c = new ObjectMapper().readTree(tmp.resolve("adapter_config.json").toFile());
        assertEquals("LORA", c.get("peft_type").asText());
        assertEquals(3, c.get("r").asInt());
        assertEquals(6.0, c.get("lora_alpha").asDouble());
        assertEquals(0.05, c.get("lora_dropout").asDouble(), 1e-12);
        assertEquals("none", c.get("bias").asText());
        assertEquals("/models/pruned", c.get("base_model_name_or_path").asText());
        Set<String> targets = new HashSet<>();
        c.get("target_modules").forEach(t -> targets.add(t.asText()));
        assertEquals(Set.of("q_proj", "v_proj", "down_proj"), targets);

        SafeTensorsFile f = SafeTensorsFile.open(tmp.resolve("adapter_model.safetensors"));
        Set<String> expected = new HashSet<>();
        for (int l = 0; l < 2; l++) {
            LayerShape sh = base.config().layer(l);
            int h = base.config().hiddenSize();
            String p = "base_model.model.model.layers." + l + ".";
            expected.addAll(List.of(p + "self_attn.q_proj.lora_A.weight", p + "self_attn.q_proj.lora_B.weight",
                    p + "self_attn.v_proj.lora_A.weight", p + "self_attn.v_proj.lora_B.weight",
                    p + "mlp.down_proj.lora_A.weight", p + "mlp.down_proj.lora_B.weight"));
            assertEquals(List.of(3L, (long) h), f.info(p + "self_attn.q_proj.lora_A.weight").shape());
            assertEquals(List.of((long) sh.qDim(), 3L), f.info(p + "self_attn.q_proj.lora_B.weight").shape());
            assertEquals(List.of((long) sh.kvDim(), 3L), f.info(p + "self_attn.v_proj.lora_B.weight").shape());
            assertEquals(List.of(3L, (long) sh.intermediate()), f.info(p + "mlp.down_proj.lora_A.weight").shape());
            assertEquals(List.of((long) h, 3L), f.info(p + "mlp.down_proj.lora_B.weight").shape());
            assertEquals(DType.F32, f.info(p + "mlp.down_proj.lora_B.weight").dtype());
        }
        assertEquals(expected, f.names());

        LoraWeights back = PeftAdapter.read(tmp, base);
        assertEquals(lora.keys(), back.keys());
        for (int i = 0; i < lora.all().size(); i++) {
            assertArrayEquals(lora.all().get(i).a, back.all().get(i).a);
            assertArrayEquals(lora.all().get(i).b, back.all().get(i).b);
            assertEquals(lora.all().get(i).scale, back.all().get(i).scale);
        }
    }

    @Test
    void anAdapterWhoseShapesDoNotFitTheBaseIsBadInput() throws IOException {
        LlamaModel base = TestModels.uneven(4, false, false, DType.F32);
        PeftAdapter.writeInto(tmp, trained(base, ALL, 8), "base");
        // Another base: layer 1 keeps 3 MLP channels instead of 7.
        List<LayerShape> shapes = List.of(new LayerShape(4, 2, 4, 12), new LayerShape(2, 1, 4, 3));
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(16).vocabSize(23).maxPositions(64).layers(shapes).rmsNormEps(1e-5f)
                .ropeTheta(10000f).bosTokenId(1).eosTokenId(2)
                .build();
        LlamaModel other = TestModels.random(c, 9, 0.5f, DType.F32);
        BadInputException e = assertThrows(BadInputException.class, () -> PeftAdapter.read(tmp, other));
        assertTrue(e.getMessage().contains("adapter_model.safetensors") && e.getMessage().contains("layers.1.mlp"),
                e.getMessage());
    }

    @Test
    void aRankLargerThanAProjectionIsBadInput() {
        LlamaModel base = TestModels.uneven(5, false, false, DType.F32);     // layer 1: k/v_proj are 4 × 16
        BadInputException e = assertThrows(BadInputException.class,
                () -> LoraWeights.init(base, new LoraSettings(5, 10, 0, EnumSet.allOf(Projection.class)), 1));
        assertTrue(e.getMessage().startsWith("rank 5"), e.getMessage());
        LoraWeights.init(base, new LoraSettings(4, 8, 0, EnumSet.allOf(Projection.class)), 1);     // 4 fits
    }

    @Test
    void freshAdaptersStartAtTheBaseFunction() {
        LlamaModel base = TestModels.uneven(6, true, false, DType.F32);
        LoraWeights lora = LoraWeights.init(base, ALL, 3);
        int[] tok = TestModels.tokens(3, 7, base.config().vocabSize());
        assertArrayEquals(CausalLM.of(base).logits(tok, 1, 7, Pass.plain()),
                CausalLM.of(base).logits(tok, 1, 7, Pass.plain().withAdapters(lora.withoutDropout())));
        assertTrue(Files.notExists(tmp.resolve("x")));
    }
}
