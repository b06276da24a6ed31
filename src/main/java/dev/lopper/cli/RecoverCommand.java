package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.data.DataDir;
import dev.lopper.data.TextCorpus;
import dev.lopper.eval.Perplexity;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.LoadOptions;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.CausalLM;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Pass;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.pipeline.ReconstructJob;
import dev.lopper.recovery.lora.DataFormat;
import dev.lopper.recovery.lora.LoraRecord;
import dev.lopper.recovery.lora.LoraRecovery;
import dev.lopper.recovery.lora.LoraTrainer;
import dev.lopper.recovery.Reconstruction;
import dev.lopper.recovery.RecoveryRecord;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.io.PruningRecord;
import dev.lopper.io.PruningRecordFile;
import dev.lopper.util.OutputPaths;
import dev.lopper.util.ProgressListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Win back what pruning cost, on a folder written by lopper prune (its pruning.json says which "
                + "groups were kept).",
                "--reconstruct: re-fit the consumers of the pruned groups to the dense --teacher's layer outputs "
                        + "on --calib text (training-free; see docs/recovery.md).",
                "--data: train LoRA adapters on the text (with --teacher: distillation from the dense model too); "
                        + "merged into the weights, or a PEFT adapter with --adapter-only (see docs/recovery-lora.md).",
                "Example: lopper recover --model pruned/ --teacher dense/ --reconstruct --calib calib.txt --out recovered/",
                "Example: lopper recover --model pruned/ --data calib.txt --eval-data heldout.txt --steps 300 --out lora/"})
final class RecoverCommand implements Runnable {
    @Option(names = "--model", required = true, paramLabel = "PRUNED", description = "The pruned folder (with pruning.json).")
    Path model;

    @Option(names = "--teacher", paramLabel = "DENSE", description = "The dense model it was pruned from: "
            + "--reconstruct's targets, or with --data the teacher of distillation (default: none).")
    Path teacher;

    @Mixin ReconstructOptions reconstruct;

    @Mixin LoraOptions lora;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter merged onto --model as it is loaded (default: none).")
    Path adapter;

    @Option(names = "--calib", paramLabel = "FILE|NAME", description = "Calibration text for --reconstruct: a file or a corpus name (default: none).")
    String calibration;

    @Option(names = "--calib-windows", paramLabel = "N", defaultValue = "128",
            description = "Calibration windows (default ${DEFAULT-VALUE}).")
    int windows;

    @Option(names = "--calib-len", paramLabel = "TOKENS", defaultValue = "256",
            description = "Tokens per calibration window, clamped to the model's context (default ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the windows' offsets (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--eval-data", paramLabel = "FILE|NAME",
            description = "Held-out text: perplexity before and after is printed (must not be the calibration text; default: none).")
    String evalData;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "256",
            description = "Window length of the --eval-data perplexity (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the recovered model.")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data folder for named corpora (default: $LOPPER_DATA, else ../shared/data).")
    Path dataDir;

    /** --json, --force, --verbose, --quiet; not CommonOptions, whose --data DIR is LoRA's --data FILE here. */
    @Mixin GeneralOptions general;

    record Result(String model, String teacher, String out, RecoveryRecord recovery, Double perplexityBefore,
                  Double perplexityAfter) {}

    @Override
    public void run() {
        if (lora.wanted()) {
            if (reconstruct.reconstruct)
                throw new BadInputException("--reconstruct and --data (LoRA) are separate runs: reconstruct first, then train LoRA on its output");
            runLora();
            return;
        }
        if (calibration == null && reconstruct.reconstruct) throw new BadInputException("--reconstruct needs --calib FILE|NAME");
        ReconstructJob.Request request = reconstruct.request(calibration, windows, length, seed);
        if (request == null) throw new BadInputException("nothing to do: give --reconstruct (with --teacher and --calib)");
        if (teacher == null) throw new BadInputException("--reconstruct needs --teacher DENSE, the model it was pruned from");
        if (windows < 1) throw new BadInputException("--calib-windows must be at least 1");
        if (length < 2) throw new BadInputException("--calib-len must be at least 2 tokens");
        Path data = DataDir.resolve(dataDir);
        TextCorpus calib = TextCorpus.resolve(calibration, data);
        TextCorpus eval = evalData == null ? null : TextCorpus.resolve(evalData, data);
        general.outputs().input(model, "--model").input(teacher, "--teacher").input(calib.file(), "--calib")
                .input(eval == null ? null : eval.file(), "--eval-data")
                .folder(out, "--out", "config.json").check();
        if (eval != null && sameText(calib.file(), eval.file()))
            throw new BadInputException(eval.file(), "is the calibration text (--calib); evaluate on held-out text");
        Path recordFile = (Files.isDirectory(model) ? model : model.toAbsolutePath().getParent()).resolve("pruning.json");
        if (!Files.isRegularFile(recordFile))
            throw new BadInputException(model, "has no pruning.json: not a folder written by lopper prune");
        PruningRecord pruning = PruningRecordFile.read(recordFile);
        KeepPlan plan = keepPlan(pruning, recordFile);

        LlamaModel student = Checkpoints.load(model, LoadOptions.DEFAULT);
        LlamaModel dense = Checkpoints.load(teacher, LoadOptions.DEFAULT);
        ProgressListener progress = general.progress();
        try (Tokenizer tok = Tokenizers.forModel(model, null, student.config().vocabSize())) {
            dev.lopper.recovery.Shapes.check(dense, student, plan);
            Double before = eval == null ? null : perplexity(student, tok, eval, progress);
            ReconstructJob.Outcome r = ReconstructJob.run(teacher, dense, model, student, plan, tok, request, data, progress);
            Double after = eval == null ? null : perplexity(r.model(), tok, eval, progress);
            PrunedModelWriter.write(r.model(), tok, pruning, r.record(), out, general.force);
            System.out.print(Reconstruction.summary(r.record().reconstruction()));
            if (eval != null)
                System.out.printf(Locale.ROOT, "perplexity on %s (seq %d): %.3f -> %.3f%n", eval.name(), seqLen, before, after);
            System.out.println("wrote " + out);
            general.writeJson(new Result(model.toString(), teacher.toString(), out.toString(), r.record(), before, after));
        }
    }

    private void runLora() {
        if (evalData == null) throw new BadInputException("--data (LoRA) needs --eval-data FILE|NAME, held-out text to evaluate on");
        // The inputs resolved from names (corpora) are checked again by LoraRecovery once resolved.
        general.outputs().folder(out, "--out", lora.adapterOnly ? "adapter_config.json" : "config.json")
                .output(lora.checkpointDir, "--checkpoint-dir", lora.checkpointDir != null && Files.exists(lora.checkpointDir)
                        ? OutputPaths.Kind.EXISTING_FOLDER : OutputPaths.Kind.FOLDER, null)
                .input(model, "--model").input(adapter, "--adapter").input(teacher, "--teacher")
                .inputNamed(lora.data, "--data").inputNamed(evalData, "--eval-data").check();
        var settings = lora.settings();
        var training = lora.training(seqLen, seed, teacher != null);
        LlamaModel student = ModelOptions.withAdapter(Checkpoints.load(model, LoadOptions.DEFAULT), adapter);
        LlamaModel dense = teacher == null ? null : Checkpoints.load(teacher, LoadOptions.DEFAULT);
        ProgressListener progress = general.progress();
        try (Tokenizer tok = Tokenizers.forModel(model, null, student.config().vocabSize())) {
            var request = new LoraRecovery.Request(student, model, tok, lora.data,
                    lora.format != null ? lora.format : DataFormat.detect(lora.data), lora.lossOn, evalData, teacher, dense,
                    settings, training, lora.adapterOnly, out, general.force, lora.checkpointDir, lora.resume, DataDir.resolve(dataDir));
            LoraRecord record = LoraRecovery.run(request, System.out, new TrainingProgress(progress, System.out));
            System.out.printf(Locale.ROOT, "held-out perplexity (seq %d, %d windows): %.3f -> %.3f; %d tokens trained in %.1f s%n",
                    seqLen, record.result().heldoutWindows(), record.result().perplexityBefore(),
                    record.result().perplexityAfter(), record.data().tokensTrained(), record.run().seconds());
            System.out.println("wrote " + out + (lora.adapterOnly ? " (PEFT adapter)" : " (merged)"));
            general.writeJson(record);
        }
    }

    /** Progress of a LoRA run: a bar with loss, tokens/s and ETA; a line per held-out evaluation. */
    private static final class TrainingProgress implements LoraTrainer.Listener {
        private final ProgressListener bar;
        private final java.io.PrintStream out;
        private final long started = System.nanoTime();
        private int firstStep = -1;

        TrainingProgress(ProgressListener bar, java.io.PrintStream out) {
            this.bar = bar;
            this.out = out;
        }

        @Override
        public void step(LoraTrainer.Point p, int total) {
            if (firstStep < 0) firstStep = p.step() - 1;
            double s = (System.nanoTime() - started) / 1e9;
            double perStep = s / (p.step() - firstStep);
            long tokensPerStep = p.tokens() / p.step();
            bar.update(p.step(), total, String.format(Locale.ROOT, "steps  loss %.4f  %.0f tok/s  ETA %s", p.loss(),
                    tokensPerStep / perStep, eta(perStep * (total - p.step()))));
        }

        @Override
        public void eval(LoraTrainer.EvalPoint p) {
            out.printf(Locale.ROOT, "step %d (%d tokens): held-out NLL %.4f, perplexity %.3f%n", p.step(), p.tokens(),
                    p.meanNll(), p.perplexity());
        }

        private static String eta(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? "%d:%02d:%02d".formatted(s / 3600, s / 60 % 60, s % 60) : "%d:%02d".formatted(s / 60, s % 60);
        }
    }

    private double perplexity(LlamaModel m, Tokenizer tok, TextCorpus corpus, ProgressListener progress) {
        return Perplexity.evaluate(CausalLM.of(m), tok, corpus, seqLen, 0, Math.max(1, 2048 / seqLen), Pass.plain(),
                progress).ppl();
    }

    /** The same file, or two files with the same bytes. */
    private static boolean sameText(Path a, Path b) {
        try {
            return Files.isSameFile(a, b) || Files.mismatch(a, b) == -1;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static KeepPlan keepPlan(PruningRecord r, Path file) {
        List<PruningRecord.LayerKept> kept = r.kept();
        if (kept == null || kept.isEmpty()) throw new BadInputException(file, "records no kept groups");
        int n = kept.size();
        int[][] kv = new int[n][], ch = new int[n][];
        for (int i = 0; i < n; i++) {
            PruningRecord.LayerKept k = kept.get(i);
            if (k.layer() != i || k.kvHeads() == null || k.channels() == null)
                throw new BadInputException(file, "kept groups of layer " + i + " are missing or out of order");
            kv[i] = k.kvHeads();
            ch[i] = k.channels();
        }
        return new KeepPlan(kv, ch);
    }
}
