package dev.lopper.recovery.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.HfFolder;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.CausalLM;
import dev.lopper.model.LlamaModel;
import dev.lopper.io.PruningRecord;
import dev.lopper.util.Sha256;
import dev.lopper.util.OutputPaths;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lopper recover} with LoRA: checks the inputs, trains ({@link LoraTrainer}), and writes
 * either the merged model (an ordinary pruned folder with the same per-layer widths, its
 * pruning.json carried over) or, with {@code adapterOnly}, a PEFT adapter; both with
 * recovery.json and the loss curve. Nothing is written when an input is refused.
 */
public final class LoraRecovery {
    public static final String RECORD_FILE = "recovery-lora.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param model       the pruned model (loaded by the caller, --adapter already merged)
     * @param modelPath   where it came from
     * @param data        training text: a file or a known corpus name
     * @param evalData    held-out text (must not overlap {@code data})
     * @param teacher     the dense model for distillation, or null
     * @param checkpoints folder of checkpoints (null = {@code OUT.checkpoints} beside the output)
     */
    public record Request(LlamaModel model, Path modelPath, Tokenizer tokenizer, String data, DataFormat format,
                          LossOn lossOn, String evalData, Path teacher, LlamaModel teacherModel, LoraSettings lora,
                          TrainOptions training, boolean adapterOnly, Path out, boolean force, Path checkpoints,
                          boolean resume, Path dataDir) {}

    private LoraRecovery() {}

    public static Path checkpointDir(Request r) {
        return r.checkpoints() != null ? r.checkpoints()
                : r.out().toAbsolutePath().normalize().resolveSibling(r.out().getFileName() + ".checkpoints");
    }

    public static LoraRecord run(Request r, PrintStream log, LoraTrainer.Listener listener) {
        Instant start = Instant.now();
        if (Files.exists(r.out()) && !r.force())
            throw new BadInputException(r.out(), "already exists; use --force to replace it");
        LlamaModel student = r.model();
        if (r.teacherModel() != null) checkTeacher(r.teacher(), r.teacherModel(), student);

        TrainingText text = TrainingText.load(r.data(), r.dataDir(), r.format(), r.lossOn(), r.tokenizer());
        TrainOptions training = r.training().resolved(text.windowStarts(r.training().seq()).length);
        TextCorpus heldout = TextCorpus.resolve(r.evalData(), r.dataDir());
        checkApart(text, heldout);
        int seq = training.seq();
        if (seq > student.config().maxPositions())
            throw new BadInputException("--seq-len " + seq + " is longer than the model's context of "
                    + student.config().maxPositions() + " tokens");
        int[] evalIds = r.tokenizer().encode(heldout.text(), r.tokenizer().addBosByDefault());
        int evalWindows = evalIds.length / seq;
        if (evalWindows == 0)
            throw new BadInputException(heldout.file(), "the held-out text has " + evalIds.length
                    + " tokens, fewer than one window of " + seq);
        LoraWeights lora = LoraWeights.init(student, r.lora(), training.seed());

        Path ckpt = checkpointDir(r);
        // Where the run writes (the output, a file of the adapter-only kind or a folder, and its
        // checkpoints) against everything it reads, once the corpora's files are known.
        OutputPaths.guard(r.force()).folder(r.out(), "--out", r.adapterOnly() ? PeftAdapter.CONFIG : "config.json")
                .output(ckpt, "--checkpoint-dir", Files.exists(ckpt) ? OutputPaths.Kind.EXISTING_FOLDER : OutputPaths.Kind.FOLDER, null)
                .input(r.modelPath(), "--model").input(r.teacher(), "--teacher").input(text.file(), "--data")
                .input(heldout.file(), "--eval-data").check();
        String fingerprint = fingerprint(r, training, text, heldout);
        LoraTrainer trainer = new LoraTrainer(CausalLM.of(student), lora, text,
                new LoraTrainer.EvalWindows(evalIds, evalWindows, seq),
                r.teacherModel() == null ? null : new LoraTrainer.Teacher(CausalLM.of(r.teacherModel())), training);
        int resumedFrom = 0;
        if (r.resume()) {
            resumedFrom = LoraCheckpoint.resume(ckpt, trainer, fingerprint);
        } else if (LoraCheckpoint.latest(ckpt) != null) {
            throw new BadInputException(ckpt, "holds checkpoints of an earlier run; add --resume to continue it, or remove the folder");
        }
        log.printf("training text: %s (%s), %d tokens, %d windows of %d; held-out: %s, %d windows%n", text.file(),
                text.description(), text.tokens().length, trainer.trainingWindows(), seq, heldout.file(),
                training.evalWindows() > 0 ? Math.min(evalWindows, training.evalWindows()) : evalWindows);
        log.printf("LoRA rank %d, alpha %s on %s: %d adapter parameters; %d steps of %d windows (%d tokens)%s%n",
                r.lora().rank(), r.lora().alpha(), r.lora().targets(), lora.parameterCount(), trainer.totalSteps(),
                training.windowsPerStep(), trainer.tokensAfter(trainer.totalSteps()),
                resumedFrom > 0 ? ", resumed after step " + resumedFrom : "");
        trainer.run(listener, t -> LoraCheckpoint.write(ckpt, t, fingerprint));

        List<LoraTrainer.EvalPoint> evals = trainer.evals();
        List<LoraTrainer.Point> points = trainer.points();
        int steps = trainer.totalSteps();
        LoraRecord record = new LoraRecord(PruningRecord.currentVersion(), "lora", r.adapterOnly() ? "adapter" : "merged",
                new LoraRecord.Inputs(r.modelPath().toString(), Sha256.weightFiles(r.modelPath()), Sha256.digest(heldout.file()),
                        r.teacher() == null ? null : r.teacher().toString(),
                        r.teacher() == null ? null : Sha256.weightFiles(r.teacher())),
                new LoraRecord.Data(text.name(), Sha256.digest(text.file()), text.format(), text.description(),
                        text.format() == DataFormat.ALPACA ? r.lossOn() : LossOn.ALL, text.examples(), text.tokens().length, trainer.trainingWindows(),
                        trainer.tokensAfter(steps), trainer.windowsSeen(steps)),
                r.lora(), training,
                new LoraRecord.Result(evals.isEmpty() ? 0 : (training.evalWindows() > 0
                        ? Math.min(evalWindows, training.evalWindows()) : evalWindows),
                        evals.getFirst().perplexity(), evals.getLast().perplexity(), steps,
                        points.isEmpty() ? Double.NaN : points.getFirst().loss(),
                        points.isEmpty() ? Double.NaN : points.getLast().loss(), evals, lora.parameterCount()),
                PruningRecord.Run.since(start), fingerprint, resumedFrom);
        Checkpoints.ExtraFiles extras = staging -> {
            Files.writeString(staging.resolve(RECORD_FILE), JSON.writeValueAsString(record) + "\n");
            LossCurve.writeInto(staging, points, evals);
        };
        if (r.adapterOnly()) {
            Checkpoints.saveFolder(r.out(), r.force(), staging -> {
                PeftAdapter.writeInto(staging, lora, r.modelPath().toAbsolutePath().normalize().toString());
                extras.writeInto(staging);
            });
        } else {
            // pruning.json, the model card and an earlier recovery.json (reconstruction) are carried over as they are.
            Path dir = Files.isDirectory(r.modelPath()) ? r.modelPath() : null;
            HfFolder.write(lora.mergeInto(student), r.tokenizer(), r.out(), r.force(), staging -> {
                for (String name : List.of("pruning.json", "recovery.json", "README.md")) {
                    if (dir != null && Files.isRegularFile(dir.resolve(name))) Files.copy(dir.resolve(name), staging.resolve(name));
                }
                extras.writeInto(staging);
            });
        }
        dev.lopper.util.Leftovers.deleteQuietly(ckpt);
        return record;
    }

    /** Distillation needs the same tokens and the same family; another size is fine. */
    static void checkTeacher(Path path, LlamaModel teacher, LlamaModel student) {
        var t = teacher.config();
        var s = student.config();
        if (t.vocabSize() != s.vocabSize())
            throw new BadInputException(path, "--teacher has a vocabulary of " + t.vocabSize() + " tokens, the model "
                    + s.vocabSize() + "; distillation needs the same vocabulary");
        if (!t.architecture().equals(s.architecture()) || !t.ops().equals(s.ops()))
            throw new BadInputException(path, "--teacher is a " + t.architecture() + ", the model a " + s.architecture()
                    + "; distillation needs the dense model of the same family");
    }

    /** The training text must not be the held-out text, nor contain it, nor be part of it. */
    static void checkApart(TrainingText text, TextCorpus heldout) {
        try {
            if (Files.isSameFile(text.file(), heldout.file()))
                throw new BadInputException(text.file(), "--data is the held-out text (--eval-data); train and evaluate on different text");
            if (Sha256.of(text.file()).equals(Sha256.of(heldout.file())))
                throw new BadInputException(text.file(), "--data has the same bytes as the held-out text " + heldout.file()
                        + "; train and evaluate on different text");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (text.format() != DataFormat.ALPACA) {
            String train = Files.isRegularFile(text.file()) ? readQuietly(text.file()) : "";
            String held = heldout.text();
            String probe = held.strip();
            probe = probe.substring(0, Math.min(probe.length(), 2000));
            if (!probe.isEmpty() && train.contains(probe))
                throw new BadInputException(text.file(), "--data contains the held-out text " + heldout.file()
                        + " (its first " + probe.length() + " characters); train and evaluate on different text");
            String trainProbe = train.strip();
            trainProbe = trainProbe.substring(0, Math.min(trainProbe.length(), 2000));
            if (!trainProbe.isEmpty() && held.contains(trainProbe))
                throw new BadInputException(text.file(), "--data overlaps the held-out text " + heldout.file()
                        + " (its first " + trainProbe.length() + " characters are in it); train and evaluate on different text");
        }
    }

    private static String readQuietly(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** SHA-256 over the inputs' checksums and every option that shapes the updates. */
    static String fingerprint(Request r, TrainOptions training, TrainingText text, TextCorpus heldout) {
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("model", Sha256.weightFiles(r.modelPath()).stream().map(Sha256.FileDigest::sha256).toList());
        id.put("data", Sha256.of(text.file()));
        id.put("format", text.format());
        id.put("lossOn", r.lossOn());
        id.put("heldout", Sha256.of(heldout.file()));
        id.put("teacher", r.teacher() == null ? "" : Sha256.weightFiles(r.teacher()).stream().map(Sha256.FileDigest::sha256).toList());
        id.put("lora", r.lora());
        id.put("training", training);
        try {
            byte[] bytes = JSON.writeValueAsBytes(id);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
