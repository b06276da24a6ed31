package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.LlamaModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loading and saving whole models, whatever the format on disk. */
public final class Checkpoints {
    private Checkpoints() {}

    /**
     * Loads a HF folder (config.json + safetensors, single or sharded), a GGUF file (llama, deci)
     * or a llama2.c .bin file.
     * Tensor data stays memory-mapped.
     */
    public static LlamaModel load(Path path) {
        if (!Files.exists(path)) throw new BadInputException(path, "no such file or folder");
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve(HfConfig.FILE_NAME))) {
                throw new BadInputException(path, "folder has no config.json, so it is not a Hugging Face checkpoint");
            }
            return HfCheckpointReader.read(path);
        }
        if (dev.lopper.io.gguf.GgufFiles.isGguf(path)) return dev.lopper.io.gguf.GgufCheckpointReader.read(path);
        if (path.getFileName().toString().endsWith(".bin") || Llama2cCheckpoint.looksLikeVersion1(path)) {
            return Llama2cCheckpoint.read(path);
        }
        throw new BadInputException(path, "not a recognised checkpoint (expected a folder with config.json, a .gguf file or a llama2.c .bin file)");
    }

    /**
     * Writes a HF folder (config.json + model.safetensors). The folder is built beside {@code dir}
     * and renamed into place, so a failure never leaves a half-written folder. An existing
     * {@code dir} is refused unless {@code force}; then it is replaced only once the new one is complete.
     */
    public static void saveHf(LlamaModel model, Path dir, boolean force) {
        saveHf(model, dir, force, staging -> {});
    }

    /** Writes further files (tokenizer, records) into the folder before it is put in place. */
    @FunctionalInterface
    public interface ExtraFiles {
        void writeInto(Path stagingDir) throws IOException;
    }

    /**
     * Like {@link #saveHf(LlamaModel, Path, boolean)}, with {@code extras} adding files to the
     * staging folder first, so the folder appears complete or not at all.
     */
    public static void saveHf(LlamaModel model, Path dir, boolean force, ExtraFiles extras) {
        if (Files.exists(dir) && !force) {
            throw new BadInputException(dir, "already exists; use --force to replace it");
        }
        Path tmp = AtomicFiles.sibling(dir, "tmp");
        try {
            Files.createDirectories(tmp);
            HfCheckpointWriter.writeInto(model, tmp);
            extras.writeInto(tmp);
            replace(tmp, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteRecursively(tmp);
        }
    }

    /** Puts the finished folder {@code ready} at {@code dir}, moving any old one aside first. */
    private static void replace(Path ready, Path dir) throws IOException {
        if (!Files.exists(dir)) {
            AtomicFiles.move(ready, dir);
            return;
        }
        Path old = AtomicFiles.sibling(dir, "old");
        AtomicFiles.move(dir, old);
        try {
            AtomicFiles.move(ready, dir);
        } catch (IOException e) {
            AtomicFiles.move(old, dir);   // put the previous model back
            throw e;
        }
        AtomicFiles.deleteRecursively(old);
    }
}
