package dev.lopper.cli;

import dev.lopper.model.Pass;
import dev.lopper.BadInputException;
import dev.lopper.data.DataDir;
import dev.lopper.data.TaskLocator;
import dev.lopper.data.TaskSource;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.EvalOptions;
import dev.lopper.eval.Perplexity;
import dev.lopper.eval.CausalLMScorer;
import dev.lopper.eval.ZeroShotEvaluator;
import dev.lopper.eval.ZeroShotResults;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.CausalLM;
import dev.lopper.util.OutputPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a model: perplexity on text corpora and zero-shot accuracy on the standard tasks.",
                "Example: lopper eval --model DIR --ppl wikitext2,ptb --seq-len 128 --tasks standard --limit 200 --report out/"})
final class EvalCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;
    @Mixin EvalSelection selection;

    @Option(names = "--report", paramLabel = "DIR", description = "Write report.md and PNG charts into DIR (default: not written).")
    Path report;

    @Option(names = "--vs", paramLabel = "B",
            description = "A second model (e.g. the pruned one), evaluated the same way and reported side by side (default: none).")
    Path vs;

    record EvalResult(String model, long parameters, List<Perplexity.Result> perplexity, ZeroShotResults zeroShot) {}

    /** One result, or two when --vs is given (then the JSON is a list). */
    @Override
    public void run() {
        selection.validate();
        selection.inputsTo(modelOptions.inputsTo(common.outputs(null)).input(vs, "--vs"))
                .folder(report, "--report", dev.lopper.eval.MarkdownReport.FILE_NAME).check();
        List<Path> models = vs == null ? List.of(modelOptions.model) : List.of(modelOptions.model, vs);
        List<EvalResult> results = new ArrayList<>();
        for (Path m : models) {
            if (models.size() > 1) System.out.println("== " + m);
            LlamaModel model = dev.lopper.io.Checkpoints.load(m);
            try (Tokenizer tok = dev.lopper.io.Tokenizers.forModel(m, modelOptions.tokenizer, model.config().vocabSize())) {
                results.add(selection.evaluate(m.toString(), model, tok, common));
            }
        }
        common.writeJson(results.size() == 1 ? results.get(0) : results);
        if (report != null) {
            List<dev.lopper.eval.ModelReport> reports = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) {
                reports.add(Reports.modelReport(models.get(i).toAbsolutePath().normalize().getFileName().toString(),
                        results.get(i)));
            }
            Reports.write(report, reports);
            System.out.println("report: " + report.resolve("report.md"));
        }
    }

    /** What to evaluate; shared by eval and demo. */
    static final class EvalSelection {
        @Option(names = "--ppl", split = ",", paramLabel = "FILE|NAME",
                description = "Perplexity corpora: a text/JSONL file or a name (wikitext2, ptb, ptb-valid, tinystories, c4) (default: none).")
        List<String> ppl = new ArrayList<>();

        // Hidden aliases set the same field: the default is the field's initial value, not defaultValue,
        // which picocli would apply after parsing to the unmatched canonical name and so undo the alias.
        @Option(names = "--seq-len", paramLabel = "TOKENS",
                description = "Perplexity window in tokens: 128 = LLM-Pruner/FLAP protocol, 2048 = Wanda/SliceGPT (default ${DEFAULT-VALUE}).")
        int seq = 128;

        /** The old name of --seq-len, kept working but not shown. */
        @Option(names = "--seq", hidden = true, paramLabel = "TOKENS")
        void seqAlias(int tokens) {
            seq = tokens;
        }

        @Option(names = "--max-windows", defaultValue = "0", paramLabel = "N",
                description = "Perplexity on the first N windows only, 0 = all (default ${DEFAULT-VALUE}).")
        int maxWindows;

        @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "Perplexity windows per forward pass (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--tasks", split = ",", paramLabel = "TASK",
                description = "Zero-shot tasks: boolq, piqa, hellaswag, winogrande, arc_easy, arc_challenge, openbookqa, lambada; 'standard' = the seven, 'all' = eight; NAME=FILE for another copy (default: none).")
        List<String> tasks = new ArrayList<>();

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
                description = "Zero-shot: the first N examples of each task, 0 = all (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--log-samples", paramLabel = "FILE", description = "Zero-shot: write every scored request as JSONL (default: not written).")
        Path logSamples;

        void validate() {
            if (ppl.isEmpty() && tasks.isEmpty()) throw new BadInputException("nothing to evaluate: give --ppl and/or --tasks");
            if (batch < 1) throw new BadInputException("--batch must be at least 1");
            if (limit < 0) throw new BadInputException("--limit must be >= 0");
            if (maxWindows < 0) throw new BadInputException("--max-windows must be >= 0");
        }

        /** The corpora and task files given as paths are inputs; --log-samples is an output. */
        OutputPaths.Guard inputsTo(OutputPaths.Guard guard) {
            for (String p : ppl) guard.inputNamed(p, "--ppl");
            for (String t : tasks) guard.inputNamed(t.substring(t.indexOf('=') + 1), "--tasks");
            return guard.file(logSamples, "--log-samples");
        }

        EvalResult evaluate(String name, LlamaModel model, Tokenizer tok, CommonOptions common) {
            // Resolve every input before the long work starts, so a typo fails at once.
            List<TextCorpus> corpora = ppl.stream().map(p -> TextCorpus.resolve(p, DataDir.resolve(common.data))).toList();
            List<TaskSource> sources = tasks.isEmpty() ? List.of()
                    : TaskLocator.fromEnvironment(common.data).resolveAll(tasks);
            if (!corpora.isEmpty() && seq > model.config().maxPositions())
                throw new BadInputException("--seq-len " + seq + " is longer than the model's context of "
                        + model.config().maxPositions() + " tokens");
            CausalLM t = CausalLM.of(model);
            List<Perplexity.Result> results = new ArrayList<>();
            for (TextCorpus c : corpora) {
                Perplexity.Result r = Perplexity.evaluate(t, tok, c, seq, maxWindows, batch, Pass.plain(),
                        common.progress());
                System.out.printf("%-14s seq %-5d windows %-6d ppl %10.4f   (mean NLL %.5f, %.0f tokens/s)%n",
                        r.dataset(), r.seq(), r.windows(), r.ppl(), r.meanNll(), r.tokensPerSecond());
                results.add(r);
            }
            ZeroShotResults zs = null;
            if (!sources.isEmpty()) {
                ZeroShotEvaluator ev = new ZeroShotEvaluator(new CausalLMScorer(t, Pass.plain()), tok,
                        common.progress());
                zs = ev.evaluate(name, sources, new EvalOptions(limit, logSamples));
                Reports.printZeroShot(zs);
            }
            return new EvalResult(name, model.parameterCount(), results, zs);
        }
    }
}
