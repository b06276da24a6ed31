package dev.lopper.io;

import dev.lopper.util.AtomicFiles;
import dev.lopper.BadInputException;
import dev.lopper.model.LlamaModel;
import dev.lopper.util.Leftovers;

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
    /** Why a PyTorch pickle is refused, and what to do instead. */
    static final String PICKLE_PROBLEM = "is a PyTorch pickle, which Lopper does not read (unpickling can run code);"
            + " convert it to safetensors, e.g. in Python: transformers.AutoModelForCausalLM.from_pretrained(DIR)"
            + ".save_pretrained(OUT, safe_serialization=True)";

    public static LlamaModel load(Path path) {
        return load(path, LoadOptions.DEFAULT);
    }

    /** Like {@link #load(Path)}, with the user's choices where the files leave them open. */
    public static LlamaModel load(Path path, LoadOptions options) {
        if (!Files.exists(path)) throw new BadInputException(path, "no such file or folder");
        if (Files.isRegularFile(path) && isPyTorchPickle(path)) throw new BadInputException(path, PICKLE_PROBLEM);
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve(HfConfig.FILE_NAME))) {
                throw new BadInputException(path, "folder has no config.json, so it is not a Hugging Face checkpoint");
            }
            return HfCheckpointReader.read(path, options);
        }
        if (dev.lopper.io.gguf.GgufFiles.isGguf(path)) return dev.lopper.io.gguf.GgufCheckpointReader.read(path);
        if (path.getFileName().toString().endsWith(".bin") || Llama2cCheckpoint.looksLikeVersion1(path)) {
            return Llama2cCheckpoint.read(path);
        }
        throw new BadInputException(path, "not a recognised checkpoint (expected a folder with config.json, a .gguf file or a llama2.c .bin file)");
    }

    /**
     * True for what {@code torch.save} writes: a zip archive (PyTorch 1.6+, magic {@code PK\3\4}) or
     * a legacy pickle (protocol 2–5: {@code 0x80 p}, then an opcode). A llama2.c v0 header can start
     * with 0x80 0x02 too (dim 640), but its third byte is 0 (dim < 65536) where a pickle has an opcode.
     */
    static boolean isPyTorchPickle(Path file) {
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 4) < 4) return false;
        } catch (IOException e) {
            return false;
        }
        boolean zip = head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean pickle = (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5 && head[2] != 0;
        return zip || pickle;
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
        // Ctrl-C or SIGTERM while writing: the shutdown hook deletes the staging folder.
        try (Leftovers.Registration pending = Leftovers.register(tmp)) {
            Files.createDirectories(tmp);
            HfCheckpointWriter.writeInto(model, tmp);
            extras.writeInto(tmp);
            testPause(tmp);
            replace(tmp, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        } finally {
            AtomicFiles.deleteRecursively(tmp);
        }
    }

    /**
     * Test-only hook: with {@code -Dlopper.test.pauseBeforeRenameMs=N} the finished staging folder
     * waits N ms before it is renamed into place, after a line on stderr, so a test can stop the
     * process there and check that nothing is left ({@code InterruptCleanupTest}). Unset: no effect.
     */
    private static void testPause(Path staging) {
        long ms = Long.getLong("lopper.test.pauseBeforeRenameMs", 0);
        if (ms <= 0) return;
        System.err.println("lopper: test pause: staging " + staging);
        System.err.flush();
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
