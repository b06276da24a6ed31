package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.recovery.lora.DataFormat;
import dev.lopper.recovery.lora.LoraSettings;
import dev.lopper.recovery.lora.LossOn;
import dev.lopper.recovery.lora.Projection;
import dev.lopper.recovery.lora.TrainOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** LoRA recovery's options on lopper recover (training text, adapter shape, optimiser, distillation, output). */
final class LoraOptions {
    @Option(names = "--data", paramLabel = "FILE|NAME",
            description = "Train LoRA adapters on this text: plain text, JSONL with a \"text\" field, Alpaca-style JSON "
                    + "(instruction/input/output), or a corpus name (default: no LoRA).")
    String data;

    @Option(names = "--data-format", paramLabel = "FORMAT",
            description = "${COMPLETION-CANDIDATES}: how --data holds its text (default: from the name: .jsonl, .json = alpaca, else text).")
    DataFormat format;

    @Option(names = "--loss-on", paramLabel = "TOKENS", defaultValue = "response",
            description = "${COMPLETION-CANDIDATES}. Alpaca data: loss on the response only or on every token (default ${DEFAULT-VALUE}).")
    LossOn lossOn;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "8", description = "Adapter rank (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "16", description = "LoRA α; the branch is scaled by α/r (default ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0.05", description = "Dropout on the adapters' inputs (default ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--target-modules", split = ",", paramLabel = "MODULE",
            description = "Projections that get adapters, comma-separated, from ${COMPLETION-CANDIDATES} (default: all seven).")
    List<Projection> targets = new ArrayList<>();

    @Option(names = "--steps", paramLabel = "N", defaultValue = "0", description = "Optimiser steps; 0 = from --epochs (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "1", description = "Passes over the training windows when --steps is 0 (default ${DEFAULT-VALUE}).")
    double epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Windows per forward/backward (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--grad-accum", paramLabel = "N", defaultValue = "1", description = "Micro-batches per optimiser step (default ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "1e-4", description = "Peak learning rate (default ${DEFAULT-VALUE}, LLM-Pruner's).")
    double learningRate;

    @Option(names = "--warmup", paramLabel = "N", description = "Linear warm-up steps (default: 100, at most a tenth of the steps).")
    Integer warmup;

    @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--max-grad-norm", paramLabel = "X", defaultValue = "1", description = "Clip the global gradient norm; 0 = no clipping (default ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "50", description = "Held-out evaluation every N steps; 0 = before and after only (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--eval-windows", paramLabel = "N", defaultValue = "0", description = "Held-out windows per evaluation; 0 = all (default ${DEFAULT-VALUE}).")
    int evalWindows;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "100", description = "Checkpoint every N steps; 0 = none (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Where checkpoints go (default: OUT.checkpoints beside --out; removed after success).")
    Path checkpointDir;

    @Option(names = "--resume", description = "Continue the run whose checkpoints are in --checkpoint-dir (same inputs and options; default: off).")
    boolean resume;

    @Option(names = "--adapter-only", description = "Write a PEFT adapter (adapter_config.json, adapter_model.safetensors) instead of merged weights (default: merged).")
    boolean adapterOnly;

    @Option(names = "--kd-weight", paramLabel = "K", description = "With --teacher: distillation's share of the loss, 1 = pure KL (default 0.5).")
    Double kdWeight;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1", description = "Distillation temperature (default ${DEFAULT-VALUE}).")
    double temperature;

    boolean wanted() {
        return data != null;
    }

    LoraSettings settings() {
        if (rank < 1) throw new BadInputException("--rank must be at least 1");
        if (!(alpha > 0)) throw new BadInputException("--alpha must be > 0");
        if (!(dropout >= 0 && dropout < 1)) throw new BadInputException("--lora-dropout must be in [0, 1)");
        return new LoraSettings(rank, alpha, dropout, targets.isEmpty() ? EnumSet.allOf(Projection.class) : EnumSet.copyOf(targets));
    }

    TrainOptions training(int seq, long seed, boolean teacher) {
        if (steps < 0) throw new BadInputException("--steps must be >= 0");
        if (steps == 0 && !(epochs > 0)) throw new BadInputException("--epochs must be > 0 (or give --steps)");
        if (batch < 1 || accumulation < 1) throw new BadInputException("--batch and --grad-accum must be at least 1");
        if (!(learningRate > 0)) throw new BadInputException("--lr must be > 0");
        if (warmup != null && warmup < 0) throw new BadInputException("--warmup must be >= 0");
        if (evalEvery < 0 || evalWindows < 0 || checkpointEvery < 0)
            throw new BadInputException("--eval-every, --eval-windows and --checkpoint-every must be >= 0");
        if (!(weightDecay >= 0) || !(maxGradNorm >= 0)) throw new BadInputException("--weight-decay and --max-grad-norm must be >= 0");
        if (kdWeight != null && !teacher) throw new BadInputException("--kd-weight needs --teacher DENSE");
        double kd = teacher ? (kdWeight == null ? 0.5 : kdWeight) : 0;
        if (!(kd >= 0 && kd <= 1)) throw new BadInputException("--kd-weight must be in [0, 1]");
        if (!(temperature > 0)) throw new BadInputException("--temperature must be > 0");
        if (seq < 2) throw new BadInputException("--seq-len must be at least 2");
        return new TrainOptions(seq, batch, accumulation, steps, epochs, learningRate, warmup == null ? -1 : warmup,
                weightDecay, maxGradNorm, evalEvery, evalWindows, checkpointEvery, seed, kd, temperature);
    }
}
