package dev.lopper.bench;

import dev.lopper.calib.CalibrationTokens;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.CausalLM;
import dev.lopper.model.GradientSink;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.model.Pass;
import dev.lopper.recovery.lora.DataFormat;
import dev.lopper.recovery.lora.LoraSettings;
import dev.lopper.recovery.lora.LoraTrainer;
import dev.lopper.recovery.lora.LoraWeights;
import dev.lopper.recovery.lora.TrainOptions;
import dev.lopper.recovery.lora.TrainingText;
import dev.lopper.tensor.Matrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LoRA training throughput on the 8M fixture next to plain forward + backward, interleaved in one
 * process: (1) forward only (the loss), (2) plain forward + backward with every weight gradient
 * formed and handed to a sink that drops it (what full fine-tuning's backward costs before the
 * optimiser), (3) one LoRA training step (forward + backward through the adapters, no weight
 * gradient formed, then AdamW on the adapters). Tokens/s of each over ROUNDS rounds; prints JSON.
 * Usage: bench/lora-throughput [ROUNDS] [BATCH] [SEQ]   (default 5 4 256)
 */
public final class LoraThroughput {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        Path model = Path.of("models/tiny-llama-gqa-8m");
        LlamaModel m = Checkpoints.load(model);
        int[] ids;
        try (Tokenizer tok = Tokenizers.forModel(model, null)) {
            Path calib = Path.of(System.getProperty("lopper.data", "../shared/data"), "eval/tinystories/calib.txt");
            String text = TextCorpus.resolve(calib.toString(), null).text();
            ids = CalibrationTokens.encode(tok, text, (long) 8 * batch * seq + 1);
        }
        CausalLM t = CausalLM.of(m);
        int[] tokens = Arrays.copyOf(ids, batch * seq);
        GradientSink drop = new GradientSink() {
            @Override
            public boolean wants(int layer, Param param) { return true; }

            @Override
            public void accept(int layer, Param param, Matrix weight, float[] grad) {}
        };
        float[] w = new float[ids.length];
        Arrays.fill(w, 1f);
        TrainingText text = new TrainingText("calib", Path.of("calib.txt"), DataFormat.TEXT, "", ids, w, 1);
        LoraWeights lora = LoraWeights.init(m, LoraSettings.llmPruner(), 0);
        int steps = 1000;
        LoraTrainer trainer = new LoraTrainer(t, lora, text, null, null,
                new TrainOptions(seq, batch, 1, steps, 0, 1e-4, 0, 0, 1, 0, 0, 0, 0, 0, 1));
        LoraTrainer.Listener quiet = new LoraTrainer.Listener() {
            @Override
            public void step(LoraTrainer.Point p, int total) {}

            @Override
            public void eval(LoraTrainer.EvalPoint p) {}
        };
        // warm-up of each
        t.loss(tokens, batch, seq, Pass.plain());
        t.backward(tokens, batch, seq, Pass.plain(), drop);
        List<Double> fwd = new ArrayList<>(), plain = new ArrayList<>(), loraStep = new ArrayList<>();
        int loraSteps = 1;
        trainer.runSteps(quiet, loraSteps);
        double tok = (double) batch * seq;
        for (int r = 0; r < rounds; r++) {
            long a = System.nanoTime();
            t.loss(tokens, batch, seq, Pass.plain());
            long b = System.nanoTime();
            t.backward(tokens, batch, seq, Pass.plain(), drop);
            long c = System.nanoTime();
            trainer.runSteps(quiet, 1);
            long d = System.nanoTime();
            fwd.add(tok / ((b - a) / 1e9));
            plain.add(tok / ((c - b) / 1e9));
            loraStep.add(tok / ((d - c) / 1e9));
        }
        System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"batch\": %d, \"seq\": %d, \"rounds\": %d, \"adapterParameters\": %d,%n"
                        + " \"forwardTokensPerSecond\": %s,%n \"plainForwardBackwardTokensPerSecond\": %s,%n"
                        + " \"loraStepTokensPerSecond\": %s}%n", model, batch, seq, rounds, lora.parameterCount(),
                stats(fwd), stats(plain), stats(loraStep));
    }

    private static String stats(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "{\"median\": %.1f, \"min\": %.1f, \"max\": %.1f, \"runs\": %s}", s[s.length / 2],
                s[0], s[s.length - 1], v.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList());
    }
}
