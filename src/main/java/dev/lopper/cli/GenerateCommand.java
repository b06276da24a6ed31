package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.eval.Completion;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.Sampler;
import dev.lopper.model.CausalLM;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with the model (KV cache; greedy, or temperature with top-p).")
final class GenerateCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The text to continue (required).")
    String prompt;

    @Option(names = "--new-tokens", paramLabel = "N",   // default: the initial value (see EvalSelection.seq)
            description = "New tokens at most; fewer at EOS or the end of the context (default ${DEFAULT-VALUE}).")
    int maxTokens = 128;

    /** The old name of --new-tokens, kept working but not shown. */
    @Option(names = "--max-tokens", hidden = true, paramLabel = "N")
    void maxTokensAlias(int n) {
        maxTokens = n;
    }

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.9", paramLabel = "P", description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    record Generation(String model, String prompt, String completion, int promptTokens, int newTokens,
                      double prefillSeconds, double decodeTokensPerSecond, float temperature, float topP, long seed) {}

    @Override
    public void run() {
        modelOptions.inputsTo(common.outputs()).check();
        if (maxTokens < 1) throw new BadInputException("--new-tokens must be at least 1");
        if (temperature < 0) throw new BadInputException("--temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new BadInputException("--top-p must be in (0, 1], got " + topP);
        dev.lopper.model.LlamaModel model = modelOptions.loadModel();
        CausalLM t = CausalLM.of(model);
        try (Tokenizer tok = modelOptions.loadTokenizer(model)) {
            Completion.Result g = Completion.generate(t, tok, prompt, maxTokens, new Sampler(temperature, topP, seed),
                    text -> {
                        System.out.print(text);
                        System.out.flush();
                    });
            System.out.println();
            System.err.printf("%d prompt tokens in %.3f s, %d new tokens at %.1f tokens/s%n", g.promptTokens(),
                    g.prefillSeconds(), g.newTokens(), g.decodeTokensPerSecond());
            common.writeJson(new Generation(modelOptions.model.toString(), g.prompt(), g.completion(), g.promptTokens(),
                    g.newTokens(), g.prefillSeconds(), g.decodeTokensPerSecond(), temperature, topP, seed));
        }
    }
}
