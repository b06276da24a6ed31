package dev.lopper.io.gguf;

import dev.lopper.io.Llama2cTokenizer;
import dev.lopper.io.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The tokenizer stored in a GGUF file's metadata. A SentencePiece vocabulary ({@code llama}:
 * tokens and scores) is run by the same score-merging algorithm as llama2.c's tokenizer and
 * llama.cpp's SPM tokenizer. Byte-level BPE ({@code gpt2}) is not read from GGUF yet: pass the
 * model's tokenizer.json with --tokenizer.
 */
public final class GgufTokenizer {
    private GgufTokenizer() {}

    public static Tokenizer load(Path file) {
        GgufFile f = GgufFile.open(file);
        String model = f.string("tokenizer.ggml.model", null);
        if (model == null) throw f.bad("has no tokenizer (tokenizer.ggml.model); pass --tokenizer");
        if (!model.equals("llama"))
            throw f.bad("tokenizer '" + model + "' is not read from GGUF yet (Lopper reads 'llama'); pass the model's tokenizer.json with --tokenizer");
        List<Object> tokens = f.array("tokenizer.ggml.tokens", GgufValueType.STRING);
        List<Object> scores = f.array("tokenizer.ggml.scores", GgufValueType.FLOAT32);
        if (scores.size() != tokens.size())
            throw f.bad("has " + tokens.size() + " tokens but " + scores.size() + " scores");
        if (f.u32("tokenizer.ggml.bos_token_id", 1) != 1 || f.u32("tokenizer.ggml.eos_token_id", 2) != 2)
            throw f.bad("BOS/EOS are not ids 1/2; Lopper reads SentencePiece vocabularies laid out as Llama 2's");
        byte[][] pieces = new byte[tokens.size()][];
        float[] s = new float[tokens.size()];
        for (int i = 0; i < pieces.length; i++) {
            String t = (String) tokens.get(i);
            pieces[i] = (t.matches("<0x[0-9A-F]{2}>") ? t : t.replace('\u2581', ' ')).getBytes(StandardCharsets.UTF_8);
            s[i] = (float) (double) (Double) scores.get(i);
        }
        return Llama2cTokenizer.of(file, pieces, s);
    }
}
