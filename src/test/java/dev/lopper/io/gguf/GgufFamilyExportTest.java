package dev.lopper.io.gguf;

import dev.lopper.BadInputException;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfFamilyFixture;
import dev.lopper.model.LlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GGUF export writes llama.cpp's llama/deci graphs only: a BLOOM or ALiBi Baichuan model is refused (it would
 * run as another function), and no file is left; Baichuan with RoPE is the LLaMA function and exports.
 */
class GgufFamilyExportTest {
    @TempDir
    Path tmp;

    private static final GgufExport.Options F32 = new GgufExport.Options(GgmlType.F32, "t");

    @Test
    void bloomAndAlibiBaichuanAreRefusedWithoutAFile() throws Exception {
        LlamaModel bloom = Checkpoints.load(HfFamilyFixture.bloom(2, 16, 4, 1, 20, false, false).write(tmp.resolve("bloom")));
        Path out = tmp.resolve("bloom.gguf");
        BadInputException e = assertThrows(BadInputException.class, () -> GgufExport.write(bloom, Map.of(), F32, out));
        assertTrue(e.getMessage().contains("BloomForCausalLM") && e.getMessage().contains("ALIBI"), e.getMessage());
        assertFalse(Files.exists(out));

        LlamaModel alibi = Checkpoints.load(HfFamilyFixture.baichuan(4, false, 32, 8, 1, 24, 40, false).write(tmp.resolve("b13")));
        Path out2 = tmp.resolve("b13.gguf");
        assertThrows(BadInputException.class, () -> GgufExport.write(alibi, Map.of(), F32, out2));
        assertFalse(Files.exists(out2));
    }
}
