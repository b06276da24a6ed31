package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.io.HfFolder;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.gguf.GgmlType;
import dev.lopper.io.gguf.GgufExport;
import dev.lopper.io.gguf.GgufTokenizerMetadata;
import dev.lopper.model.LlamaModel;
import dev.lopper.util.Choices;
import dev.lopper.util.OutputPaths;
import dev.lopper.util.ProcessMemory;
import dev.lopper.util.StageMeter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model in another format.",
                "gguf: one file llama.cpp runs (architecture llama for uniform layers, deci for per-layer shapes; bloom and baichuan for those families).",
                "hf: a Hugging Face folder (transformers loads it when all layers have the same shape).",
                "Example: lopper export --model pruned/ --format gguf --out pruned.gguf --dtype f16"})
final class ExportCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;

    /** What export writes. */
    enum Format {
        GGUF, HF;

        @Override
        public String toString() { return Choices.spelling(this); }
    }

    /** GGUF weight types Lopper writes. */
    enum Dtype {
        F32(GgmlType.F32), F16(GgmlType.F16), BF16(GgmlType.BF16), Q8_0(GgmlType.Q8_0);

        final GgmlType type;

        Dtype(GgmlType type) { this.type = type; }

        /** As llama.cpp spells it: {@code q8_0}. */
        @Override
        public String toString() { return name().toLowerCase(Locale.ROOT); }
    }

    @Option(names = "--format", required = true, paramLabel = "NAME", description = "${COMPLETION-CANDIDATES} (required).")
    Format format;

    @Option(names = "--out", required = true, paramLabel = "FILE|DIR", description = "The GGUF file or HF folder to write.")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "NAME",
            description = "GGUF weight type: ${COMPLETION-CANDIDATES} (q8_0 needs MLP widths that are multiples of 32; see prune --round-to) (default ${DEFAULT-VALUE}).")
    Dtype dtype;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name in the GGUF (default: the model's file or folder name).")
    String name;

    /** {@code stages}: wall time, bytes read from storage and resident memory of loading and writing. */
    record ExportResult(String model, String out, String format, String dtype, String architecture, long bytes,
                        List<StageMeter.Stage> stages, long peakRssBytes) {}

    @Override
    public void run() {
        OutputPaths.Guard guard = modelOptions.inputsTo(common.outputs());
        if (format == Format.GGUF) guard.file(out, "--out");
        else guard.folder(out, "--out", "config.json");
        guard.check();
        StageMeter meter = new StageMeter(dev.lopper.tensor.Gemm::flopsDone);
        LlamaModel model = modelOptions.loadModel();
        String arch;
        try (Tokenizer tok = modelOptions.loadTokenizer(model)) {
            meter.end("load");
            arch = switch (format) {
                case GGUF -> {
                    String modelName = name != null ? name : modelOptions.model.toAbsolutePath().normalize().getFileName().toString();
                    yield GgufExport.write(model, GgufTokenizerMetadata.of(tok),
                            new GgufExport.Options(dtype.type, modelName), out).architecture();
                }
                case HF -> {
                    HfFolder.write(model, tok, out, common.force);
                    yield model.config().architecture();
                }
            };
            meter.end("writing");
        }
        long bytes = Files.isRegularFile(out) ? out.toFile().length() : 0;
        System.out.printf("wrote %s (%s, %s)%n", out, format, arch);
        System.out.println(StageMeter.summary(meter.stages()));
        common.writeJson(new ExportResult(modelOptions.model.toString(), out.toString(), format.toString(),
                dtype.toString(), arch, bytes, meter.stages(), ProcessMemory.peakRss()));
    }
}
