package dev.lopper.cli;

import dev.lopper.io.Checkpoints;
import dev.lopper.io.LoadOptions;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.BlockOps;
import dev.lopper.model.LlamaModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which model (and tokenizer) a command works on. */
public final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR|FILE",
            description = "A Hugging Face model folder (config.json + *.safetensors), a GGUF file (llama, deci, bloom, baichuan; f32, f16, bf16, q8_0) or a llama2.c .bin file.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json or llama2.c tokenizer.bin (default: found beside the model).")
    Path tokenizer;

    @Option(names = "--position", paramLabel = "NAME",
            description = "How positions enter attention (${COMPLETION-CANDIDATES}) for families whose files do not say "
                    + "(default for BaichuanForCausalLM: RoPE when hidden_size is 4096, else ALiBi, as vLLM decides).")
    BlockOps.Position position;

    /** Adds --model and the tokenizer (given or found beside the model) to a command's output guard. */
    dev.lopper.util.OutputPaths.Guard inputsTo(dev.lopper.util.OutputPaths.Guard guard) {
        return guard.input(model, "--model").input(Tokenizers.find(model, tokenizer), "--tokenizer");
    }

    LlamaModel loadModel() {
        return Checkpoints.load(model, new LoadOptions(position));
    }

    /** The tokenizer, refused when its vocabulary is larger than {@code loaded}'s. */
    Tokenizer loadTokenizer(LlamaModel loaded) {
        return Tokenizers.forModel(model, tokenizer, loaded.config().vocabSize());
    }
}
