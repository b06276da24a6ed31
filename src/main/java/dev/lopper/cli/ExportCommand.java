package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.gguf.GgmlType;
import dev.lopper.io.gguf.GgufExport;
import dev.lopper.io.gguf.GgufLayout;
import dev.lopper.io.gguf.GgufTokenizerMetadata;
import dev.lopper.model.LlamaModel;
import dev.lopper.pipeline.PrunedModelWriter;
import dev.lopper.util.OutputPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model in another format.",
                "gguf: one file llama.cpp runs (architecture llama for uniform layers, deci for per-layer shapes; bloom and baichuan for those families).",
                "hf: a Hugging Face folder (transformers loads it when all layers have the same shape).",
                "Example: lopper export --model pruned/ --format gguf --out pruned.gguf --dtype f16"})
final class ExportCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;

    @Option(names = "--format", required = true, description = "gguf or hf (required).")
    String format;

    @Option(names = "--out", required = true, paramLabel = "FILE|DIR", description = "The GGUF file or HF folder to write.")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32",
            description = "GGUF weight type: f32, f16, bf16 or q8_0 (q8_0 needs MLP widths that are multiples of 32; see prune --round-to). Default ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--name", description = "general.name in the GGUF (default: the model's file or folder name).")
    String name;

    @Option(names = "--force", description = "Replace --out if it exists (default: off; never when --out is --model).")
    boolean force;

    record ExportResult(String model, String out, String format, String dtype, String architecture, long bytes) {}

    @Override
    public void run() {
        if (!format.equalsIgnoreCase("gguf") && !format.equalsIgnoreCase("hf"))
            throw new BadInputException("--format must be gguf or hf, got " + format);
        OutputPaths.Guard guard = modelOptions.inputsTo(common.outputs(force));
        if (format.equalsIgnoreCase("gguf")) guard.file(out, "--out");
        else guard.folder(out, "--out", "config.json");
        guard.check();
        LlamaModel model = modelOptions.loadModel();
        String arch;
        try (Tokenizer tok = modelOptions.loadTokenizer(model)) {
            switch (format.toLowerCase()) {
                case "gguf" -> {
                    GgmlType type = switch (dtype.toLowerCase()) {
                        case "f32" -> GgmlType.F32;
                        case "f16" -> GgmlType.F16;
                        case "bf16" -> GgmlType.BF16;
                        case "q8_0" -> GgmlType.Q8_0;
                        default -> throw new BadInputException("--dtype must be f32, f16, bf16 or q8_0, got " + dtype);
                    };
                    String modelName = name != null ? name : modelOptions.model.toAbsolutePath().normalize().getFileName().toString();
                    GgufLayout layout = GgufExport.write(model, GgufTokenizerMetadata.of(tok),
                            new GgufExport.Options(type, modelName), out);
                    arch = layout.architecture();
                }
                case "hf" -> {
                    PrunedModelWriter.writeFolder(model, tok, out, force);
                    arch = model.config().architecture();
                }
                default -> throw new BadInputException("--format must be gguf or hf, got " + format);
            }
        }
        long bytes = Files.isRegularFile(out) ? out.toFile().length() : 0;
        System.out.printf("wrote %s (%s, %s)%n", out, format.toLowerCase(), arch);
        common.writeJson(new ExportResult(modelOptions.model.toString(), out.toString(), format.toLowerCase(),
                dtype.toLowerCase(), arch, bytes));
    }
}
