package dev.lopper.bench;

import dev.lopper.io.Checkpoints;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;

/**
 * Writes an HF folder with random bf16 weights in a LLaMA shape, with a real tokenizer beside
 * them: for memory and speed runs at sizes the trained fixtures do not reach (this machine has
 * no model hub). Random weights make perplexities meaningless; memory and time are real.
 *
 * <p>Usage: {@code RandomModelWriter OUT HIDDEN LAYERS HEADS KV_HEADS INTERMEDIATE VOCAB TOKENIZER_DIR}
 */
public final class RandomModelWriter {
    private RandomModelWriter() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: RandomModelWriter OUT HIDDEN LAYERS HEADS KV_HEADS INTERMEDIATE VOCAB TOKENIZER_DIR");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        int hidden = Integer.parseInt(args[1]), layers = Integer.parseInt(args[2]);
        int heads = Integer.parseInt(args[3]), kvHeads = Integer.parseInt(args[4]);
        int intermediate = Integer.parseInt(args[5]), vocab = Integer.parseInt(args[6]);
        Path tokenizerDir = Path.of(args[7]);
        LayerShape shape = new LayerShape(heads, kvHeads, hidden / heads, intermediate);
        ModelConfig c = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(hidden).vocabSize(vocab).maxPositions(2048)
                .layers(Collections.nCopies(layers, shape)).rmsNormEps(1e-5f).ropeTheta(10000f)
                .bosTokenId(1).eosTokenId(2)
                .build();
        LlamaModel model = TestModels.random(c, 1, 0.02f, DType.BF16);
        Checkpoints.saveHf(model, out, true, staging -> {
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
                Path src = tokenizerDir.resolve(f);
                if (Files.isRegularFile(src)) Files.copy(src, staging.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        });
        System.out.printf("wrote %s: %,d parameters%n", out, model.parameterCount());
    }
}
