package dev.lopper.recovery.lora;

import dev.lopper.Setting;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;
import dev.lopper.io.SafeTensorsFile;
import dev.lopper.io.SafeTensorsWriter;
import dev.lopper.io.ShapedTensor;
import dev.lopper.model.Adapter;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.AtomicFiles;
import dev.lopper.util.ErrorText;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checkpoints of a LoRA run in a folder: {@code step-NNNNNNNN.safetensors} (every adapter's A and
 * B and AdamW's two moments of each, fp32, bit for bit) and then {@code step-NNNNNNNN.json} (the
 * run's fingerprint, step counts and curves). Each file is written through a temporary sibling and
 * renamed, the JSON last, so a kill at any moment leaves the previous complete checkpoint; older
 * checkpoints are deleted once a newer one is complete.
 */
public final class LoraCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The JSON half. {@code fingerprint} identifies the run: inputs' checksums and every option. */
    public record State(String fingerprint, int step, int adamSteps, List<LoraTrainer.Point> points,
                        List<LoraTrainer.EvalPoint> evals) {}

    private LoraCheckpoint() {}

    public static void write(Path dir, LoraTrainer t, String fingerprint) {
        try {
            Files.createDirectories(dir);
            String stem = "step-%08d".formatted(t.step());
            Map<String, ShapedTensor> tensors = new LinkedHashMap<>();
            List<Adapter> all = t.lora().all();
            AdamW adam = t.adam();
            for (int i = 0; i < all.size(); i++) {
                Adapter a = all.get(i);
                tensors.put(i + ".a", vec(a.a));
                tensors.put(i + ".b", vec(a.b));
                tensors.put(i + ".a.m", vec(adam.m[2 * i]));
                tensors.put(i + ".a.v", vec(adam.v[2 * i]));
                tensors.put(i + ".b.m", vec(adam.m[2 * i + 1]));
                tensors.put(i + ".b.v", vec(adam.v[2 * i + 1]));
            }
            SafeTensorsWriter.write(dir.resolve(stem + ".safetensors"), tensors);
            State s = new State(fingerprint, t.step(), t.adam().steps(), t.points(), t.evals());
            AtomicFiles.write(dir.resolve(stem + ".json"), out -> JSON.writeValue(out, s));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    String n = f.getFileName().toString();
                    if (n.startsWith("step-") && !n.startsWith(stem) && (n.endsWith(".json") || n.endsWith(".safetensors")))
                        Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a checkpoint in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static ShapedTensor vec(float[] v) {
        return ShapedTensor.vector(Matrix.wrap(v.clone(), 1, v.length));
    }

    /** The newest complete checkpoint's JSON in {@code dir}, or null. */
    public static Path latest(Path dir) {
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("step-\\d{8}\\.json"))
                    .filter(f -> Files.isRegularFile(tensorsOf(f)))
                    .max(Path::compareTo).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tensorsOf(Path json) {
        String n = json.getFileName().toString();
        return json.resolveSibling(n.substring(0, n.length() - ".json".length()) + ".safetensors");
    }

    /** Restores {@code t} (fresh, same inputs and options) from the newest checkpoint in {@code dir}; returns its step. */
    public static int resume(Path dir, LoraTrainer t, String fingerprint) {
        Path json = latest(dir);
        if (json == null) throw new BadInputException(dir, Setting.RESUME.mention() + ": no checkpoint here");
        State s;
        try {
            s = JSON.readValue(json.toFile(), State.class);
        } catch (IOException e) {
            throw new BadInputException(json, "not a readable checkpoint: " + ErrorText.of(e), e);
        }
        if (!fingerprint.equals(s.fingerprint()))
            throw new BadInputException(json, Setting.RESUME.mention() + ": this checkpoint is of another run (other inputs or options; "
                    + "fingerprint " + abbrev(s.fingerprint()) + " vs this run's " + abbrev(fingerprint) + ")");
        SafeTensorsFile f = SafeTensorsFile.open(tensorsOf(json));
        List<Adapter> all = t.lora().all();
        AdamW adam = t.adam();
        for (int i = 0; i < all.size(); i++) {
            Adapter a = all.get(i);
            copy(f, i + ".a", a.a);
            copy(f, i + ".b", a.b);
            copy(f, i + ".a.m", adam.m[2 * i]);
            copy(f, i + ".a.v", adam.v[2 * i]);
            copy(f, i + ".b.m", adam.m[2 * i + 1]);
            copy(f, i + ".b.v", adam.v[2 * i + 1]);
        }
        t.restore(s.step(), s.adamSteps(), s.points(), s.evals());
        return s.step();
    }

    private static String abbrev(String f) {
        return f == null ? "none" : f.substring(0, Math.min(12, f.length()));
    }

    private static void copy(SafeTensorsFile f, String name, float[] into) {
        if (f.info(name) == null || f.info(name).elementCount() != into.length)
            throw new BadInputException(f.path(), "tensor " + name + " is missing or of another size");
        float[] v = f.tensor(name).toFloats();
        System.arraycopy(v, 0, into, 0, into.length);
    }
}
