package dev.lopper.io;

import dev.lopper.SharedData;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks against the real checkpoints in the shared data folder ({@code ../shared/data} beside
 * the repository, or $LOPPER_DATA). Skipped when the data is not there.
 */
class GoldenCheckpointTest {
    private static Path model(String relative) {
        return dev.lopper.SharedData.require("models/" + relative);
    }

    @Test
    void savedRealCheckpointReloadsBitIdentical(@TempDir Path tmp) {
        LlamaModel m = Checkpoints.load(model("tiny-llama-gqa-8m"));
        Path out = tmp.resolve("copy");
        Checkpoints.saveHf(m, out, false);
        LlamaModel back = Checkpoints.load(out);
        assertEquals(m.config(), back.config());
        TestModels.assertSameTensors(m, back);
    }

    @Test
    void llama2cAndHfStories260KAreTheSameModel() {
        LlamaModel fromBin = Checkpoints.load(model("stories260K/stories260K.bin"));
        LlamaModel fromHf = Checkpoints.load(model("stories260K-hf"));
        assertEquals(fromHf.config(), fromBin.config());
        Map<String, Matrix> bin = fromBin.namedTensors(), hf = fromHf.namedTensors();
        assertEquals(hf.keySet(), bin.keySet());
        for (String name : hf.keySet()) {
            assertArrayEquals(hf.get(name).toFloats(), bin.get(name).toFloats(), name);
        }
        assertEquals(new LayerShape(8, 4, 8, 172), fromHf.config().layer(0));
        assertSame(fromHf.embed(), fromHf.lmHead());
    }

    @Test
    void tinyLlamaGqa8m() {
        LlamaModel m = Checkpoints.load(model("tiny-llama-gqa-8m"));
        assertEquals(8, m.config().numLayers());
        assertEquals(new LayerShape(8, 4, 32, 768), m.config().layer(0));
        assertEquals(DType.BF16, m.embed().dtype());
        assertEquals(128, m.layer(0).wk().rows());
        assertEquals(256, m.layer(0).wk().cols());
        assertNotSame(m.embed(), m.lmHead());
        assertEquals(10_490_112L, m.parameterCount());
        assertEquals(10_490_112L, m.config().parameterCount());
    }

    @Test
    void tinyLlamaMha3m() {
        LlamaModel m = Checkpoints.load(model("tiny-llama-mha-3m"));
        assertEquals(6, m.config().numLayers());
        assertEquals(new LayerShape(6, 6, 32, 512), m.config().layer(0));
        assertEquals(DType.F32, m.embed().dtype());
        assertEquals(5_802_432L, m.parameterCount());
        assertEquals(5_802_432L, m.config().parameterCount());
    }
}
