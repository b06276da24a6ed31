package dev.lopper.cli;

import dev.lopper.data.DataDir;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.Perplexity;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model: perplexity on text corpora.")
final class EvalCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;

    @Option(names = "--ppl", split = ",", paramLabel = "FILE|NAME",
            description = "Perplexity corpora: a text/JSONL file or a name (wikitext2, ptb, ptb-valid, tinystories, c4).")
    List<String> ppl = new ArrayList<>();

    @Option(names = "--seq", defaultValue = "128",
            description = "Window length in tokens: 128 = LLM-Pruner/FLAP protocol, 2048 = Wanda/SliceGPT (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--max-windows", defaultValue = "0", description = "Evaluate only the first N windows (0 = all).")
    int maxWindows;

    @Option(names = "--batch", defaultValue = "8", description = "Windows per forward pass (default ${DEFAULT-VALUE}).")
    int batch;

    record EvalResult(String model, long parameters, List<Perplexity.Result> perplexity) {}

    @Override
    public void run() {
        if (ppl.isEmpty()) throw new IllegalArgumentException("nothing to evaluate: give --ppl");
        List<TextCorpus> corpora = ppl.stream().map(p -> TextCorpus.resolve(p, DataDir.resolve(common.data))).toList();
        var model = modelOptions.loadModel();
        Transformer t = new Transformer(model);
        List<Perplexity.Result> results = new ArrayList<>();
        try (Tokenizer tok = modelOptions.loadTokenizer()) {
            for (TextCorpus c : corpora) {
                Perplexity.Result r = Perplexity.evaluate(t, tok, c, seq, maxWindows, batch, null, common.progress());
                System.out.printf("%-12s seq %-5d windows %-6d ppl %.4f   (mean NLL %.5f, %.0f tokens/s)%n", r.dataset(),
                        r.seq(), r.windows(), r.ppl(), r.meanNll(), r.tokensPerSecond());
                results.add(r);
            }
        }
        common.writeJson(new EvalResult(modelOptions.model.toString(), model.parameterCount(), results));
    }
}
