package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.RopeScaling;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HfConfigTest {
    @TempDir
    Path dir;

    /** A minimal Llama config; JSON written with single quotes for readability. */
    private static final String LLAMA = "{'architectures': ['LlamaForCausalLM'], 'hidden_size': 64, 'intermediate_size': 172,"
            + " 'num_hidden_layers': 2, 'num_attention_heads': 8, 'vocab_size': 512,"
            + " 'max_position_embeddings': 256, 'rms_norm_eps': 1e-05%s}";

    private Path config(String extra) throws Exception {
        return write(LLAMA.formatted(extra));
    }

    private Path write(String singleQuoted) throws Exception {
        Path p = dir.resolve("config.json");
        Files.writeString(p, singleQuoted.replace('\'', '"'));
        return p;
    }

    @Test
    void readsLlamaDefaults() throws Exception {
        ModelConfig c = HfConfig.read(config(""));
        assertEquals(new LayerShape(8, 8, 8, 172), c.layer(0));
        assertEquals(2, c.numLayers());
        assertEquals(10000f, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertFalse(c.tieWordEmbeddings());
        assertFalse(c.qkvBias() || c.oBias() || c.mlpBias() || c.downBias());
        assertEquals(-1, c.bosTokenId());
        assertEquals(-1, c.eosTokenId());
        assertEquals(256, c.maxPositions());
        assertEquals(1e-5f, c.rmsNormEps());
    }

    @Test
    void readsGqaHeadDimBiasesAndTokens() throws Exception {
        ModelConfig c = HfConfig.read(config(", 'num_key_value_heads': 2, 'head_dim': 16, 'attention_bias': true,"
                + " 'mlp_bias': true, 'tie_word_embeddings': true, 'bos_token_id': 1, 'eos_token_id': [7, 8],"
                + " 'rope_theta': 500000.0"));
        assertEquals(new LayerShape(8, 2, 16, 172), c.layer(1));
        assertTrue(c.qkvBias() && c.oBias() && c.mlpBias() && c.downBias());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(1, c.bosTokenId());
        assertEquals(7, c.eosTokenId());
        assertEquals(500000f, c.ropeTheta());
    }

    @Test
    void qwen2HasQkvBiasesButNoOBias() throws Exception {
        ModelConfig c = HfConfig.read(write(LLAMA.formatted("").replace("LlamaForCausalLM", "Qwen2ForCausalLM")));
        assertTrue(c.qkvBias());
        assertFalse(c.oBias() || c.mlpBias() || c.downBias());
        assertEquals("Qwen2ForCausalLM", c.architecture());
    }

    @Test
    void mistralIsAccepted() throws Exception {
        Path p = write(LLAMA.formatted("").replace("LlamaForCausalLM", "MistralForCausalLM"));
        assertEquals("MistralForCausalLM", HfConfig.read(p).architecture());
    }

    @Test
    void ropeScalingTypes() throws Exception {
        ModelConfig llama3 = HfConfig.read(config(", 'rope_scaling': {'rope_type': 'llama3', 'factor': 8.0,"
                + " 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 8192}"));
        assertEquals(new RopeScaling("llama3", 8, 1, 4, 8192), llama3.ropeScaling());
        ModelConfig linear = HfConfig.read(config(", 'rope_scaling': {'type': 'linear', 'factor': 2.0}"));
        assertEquals(new RopeScaling("linear", 2, 0, 0, 0), linear.ropeScaling());
        BadInputException e = assertThrows(BadInputException.class,
                () -> HfConfig.read(config(", 'rope_scaling': {'rope_type': 'yarn', 'factor': 2.0}")));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'yarn'"), e.getMessage());
    }

    @Test
    void perLayerListsOverrideScalars() throws Exception {
        ModelConfig c = HfConfig.read(config(", 'num_key_value_heads': 4, 'head_dim': 8,"
                + " 'num_attention_heads_per_layer': [8, 2], 'num_key_value_heads_per_layer': [4, 1],"
                + " 'intermediate_size_per_layer': [100, 0]"));
        assertEquals(List.of(new LayerShape(8, 4, 8, 100), new LayerShape(2, 1, 8, 0)), c.layers());
    }

    @Test
    void missingFieldIsNamed() throws Exception {
        Path p = write(LLAMA.formatted("").replace("'hidden_size': 64,", ""));
        BadInputException e = assertThrows(BadInputException.class, () -> HfConfig.read(p));
        assertEquals(p + ": missing field 'hidden_size'", e.getMessage());
    }

    @Test
    void unknownArchitectureIsNamed() throws Exception {
        Path p = write(LLAMA.formatted("").replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        BadInputException e = assertThrows(BadInputException.class, () -> HfConfig.read(p));
        assertTrue(e.getMessage().contains("GPT2LMHeadModel") && e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void wrongPerLayerLengthIsAnError() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> HfConfig.read(config(", 'intermediate_size_per_layer': [1, 2, 3]")));
        assertTrue(e.getMessage().contains("intermediate_size_per_layer"), e.getMessage());
    }

    @Test
    void uniformConfigIsPlainHfAndRoundTrips() throws Exception {
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(64).vocabSize(512).maxPositions(256)
                .layers(List.of(new LayerShape(8, 4, 8, 172), new LayerShape(8, 4, 8, 172)))
                .rmsNormEps(1e-5f).ropeTheta(10000f).ropeScaling(new RopeScaling("llama3", 8, 1, 4, 8192))
                .tieWordEmbeddings(true).bosTokenId(1).eosTokenId(2)
                .build();
        Path p = dir.resolve("config.json");
        HfConfig.write(c, DType.BF16, p);
        JsonNode json = new ObjectMapper().readTree(p.toFile());
        assertFalse(json.has(HfConfig.HEADS_PER_LAYER));
        assertEquals("bfloat16", json.get("torch_dtype").asText());
        assertEquals("llama", json.get("model_type").asText());
        assertEquals(c, HfConfig.read(p));
        assertEquals(DType.BF16, HfConfig.torchDtype(p));
    }

    @Test
    void unevenConfigGetsPerLayerListsAndRoundTrips() throws Exception {
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(64).vocabSize(512).maxPositions(256)
                .layers(List.of(new LayerShape(8, 4, 8, 172), new LayerShape(4, 2, 8, 60), new LayerShape(0, 0, 8, 10)))
                .rmsNormEps(1e-6f).ropeTheta(500000f).qkvBias(true).oBias(true).mlpBias(true)
                .downBias(true).bosTokenId(1).eosTokenId(2)
                .build();
        Path p = dir.resolve("config.json");
        HfConfig.write(c, DType.F32, p);
        JsonNode json = new ObjectMapper().readTree(p.toFile());
        assertEquals("[8,4,0]", json.get(HfConfig.HEADS_PER_LAYER).toString());
        assertEquals(c, HfConfig.read(p));
    }

    @Test
    void partialBiasesAreWrittenAsHfFlags() throws Exception {
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(64).vocabSize(512).maxPositions(256)
                .layers(List.of(new LayerShape(8, 4, 8, 172))).rmsNormEps(1e-6f).ropeTheta(10000f)
                .oBias(true).downBias(true).bosTokenId(1).eosTokenId(2)
                .build();
        JsonNode json = new ObjectMapper().readTree(HfConfig.toJson(c, DType.F32));
        assertTrue(json.get("attention_bias").asBoolean());
        assertTrue(json.get("mlp_bias").asBoolean());
    }
}
