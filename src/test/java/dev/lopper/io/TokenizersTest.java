package dev.lopper.io;

import dev.lopper.SharedData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding a model's tokenizer, and errors that name the file. */
class TokenizersTest {

    @Test
    void hfFolderUsesItsTokenizerJson() {
        Path dir = SharedData.require("models/tiny-llama-gqa-8m");
        try (Tokenizer t = Tokenizers.forModel(dir, null)) {
            assertInstanceOf(HfTokenizer.class, t);
            assertEquals(8192, t.vocabSize());
        }
    }

    @Test
    void llama2cModelFindsTokBinBesideIt() {
        Path model = SharedData.require("models/stories260K/stories260K.bin");
        try (Tokenizer t = Tokenizers.forModel(model, null)) {
            assertInstanceOf(Llama2cTokenizer.class, t);
            assertEquals(512, t.vocabSize());
        }
    }

    @Test
    void explicitTokenizerWins() {
        Path model = SharedData.require("models/stories260K/stories260K.bin");
        Path json = SharedData.require("models/stories260K-hf/tokenizer.json");
        try (Tokenizer t = Tokenizers.forModel(model, json)) {
            assertInstanceOf(HfTokenizer.class, t);
        }
        Path bin = SharedData.require("models/llama2-tokenizer-32k/tokenizer.bin");
        try (Tokenizer t = Tokenizers.forModel(SharedData.require("models/tiny-llama-gqa-8m"), bin)) {
            assertEquals(32000, t.vocabSize());
        }
    }

    @Test
    void nothingFoundSaysWhereItLooked(@TempDir Path dir) throws IOException {
        Path model = Files.writeString(dir.resolve("model.bin"), "x");
        var e = assertThrows(BadInputException.class, () -> Tokenizers.forModel(model, null));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.bin").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tok*.bin"), e.getMessage());

        var folder = assertThrows(BadInputException.class, () -> Tokenizers.forModel(dir, null));
        assertTrue(folder.getMessage().contains(dir.resolve("tokenizer.json").toString()), folder.getMessage());
    }

    @Test
    void missingExplicitTokenizerNamesIt(@TempDir Path dir) {
        Path missing = dir.resolve("tokenizer.json");
        var e = assertThrows(BadInputException.class, () -> Tokenizers.forModel(dir, missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void corruptTokenizerJsonNamesIt(@TempDir Path dir) throws IOException {
        for (String content : new String[] {"{not json", "{\"model\": {\"vocab\": {\"a\": 0}}}", ""}) {
            Path file = Files.writeString(dir.resolve("tokenizer.json"), content);
            var e = assertThrows(BadInputException.class, () -> Tokenizers.open(file), content);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }
}
