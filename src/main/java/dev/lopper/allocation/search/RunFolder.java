package dev.lopper.allocation.search;

import dev.lopper.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;
import dev.lopper.util.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A search's folder: {@code run.json} (the settings that define the run, and the fitness split),
 * {@code events.jsonl} (every prompt, reply, candidate, repair and fitness, one JSON object a
 * line), {@code checkpoint.json} (written atomically after every generation, with the length of
 * events.jsonl at that moment), {@code best-rates.json} (a JSON array, what
 * {@code --allocation file --rates} reads), {@code best.json} and two PNGs. Resuming checks the
 * settings first and changes nothing when they differ; it then cuts events.jsonl back to the
 * checkpoint, so a run killed mid-generation continues as if it had not been.
 */
public final class RunFolder implements EventLog, AutoCloseable {
    public static final String RUN = "run.json", EVENTS = "events.jsonl", CHECKPOINT = "checkpoint.json",
            BEST_RATES = "best-rates.json", BEST = "best.json", CURVE_PNG = "best-so-far.png", RATES_PNG = "rates.png";
    /** Settings that may change between a run and its resumption. */
    private static final List<String> MAY_CHANGE = List.of("generations", "jobs", "maxRequests", "maxFallbackShare");

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private final Path dir;
    private OutputStream events;
    private long eventsBytes;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() { return dir; }

    public Path file(String name) { return dir.resolve(name); }

    /**
     * Checks that {@code dir} may be created (absent, empty, or {@code force}); changes nothing.
     * Call it before any long work, so a bad folder fails fast.
     */
    public static void checkNew(Path dir, boolean force) {
        if (Files.exists(dir) && !force && !isEmptyDir(dir))
            throw new BadInputException(dir, "already exists; continue it with " + Setting.RESUME.mention() + " " + dir
                    + " or replace it with " + Setting.FORCE.mention());
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new BadInputException(dir, "exists and is not a folder");
    }

    /** Creates a fresh run folder (replacing an old one when {@code force}) and writes run.json. */
    public static RunFolder create(Path dir, Map<String, Object> settings, Map<String, Object> split, boolean force) {
        checkNew(dir, force);
        try {
            if (Files.exists(dir)) dev.lopper.util.Leftovers.deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("design", "Self-Pruner search, Lopper's design (not the paper's unpublished code)");
        run.put("settings", settings);
        run.put("fitnessSplit", split);
        try {
            writeJson(dir.resolve(RUN), run);
            RunFolder f = new RunFolder(dir);
            f.openEvents(0);
            return f;
        } catch (RuntimeException e) {
            // A full disk while writing run.json: the folder just made holds nothing; do not leave it behind.
            dev.lopper.util.Leftovers.deleteQuietly(dir);
            throw e;
        }
    }

    /**
     * Opens an existing run folder for resumption: its settings must equal {@code settings} (but for
     * the number of generations and the parallelism). Nothing is written when they do not.
     */
    public static RunFolder resume(Path dir, Map<String, Object> settings) {
        Path run = dir.resolve(RUN);
        if (!Files.isRegularFile(run))
            throw new BadInputException(dir, "is not a search run folder (no " + RUN + ")");
        JsonNode saved;
        try {
            saved = JSON.readTree(run.toFile()).path("settings");
        } catch (IOException e) {
            throw new BadInputException(run, "cannot be read: " + e.getMessage(), e);
        }
        JsonNode now;
        try {
            now = JSON.readTree(JSON.writeValueAsString(settings));   // as it would read back from run.json
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (MAY_CHANGE.contains(k)) continue;
            if (!now.get(k).equals(saved.get(k)))
                throw new BadInputException(run, "was made with other settings: " + k + " " + saved.get(k)
                        + ", now " + now.get(k) + "; resume it with the same settings or start a new " + Setting.OUT.mention());
        }
        for (Iterator<String> it = saved.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!now.has(k) && !MAY_CHANGE.contains(k))
                throw new BadInputException(run, "was made with setting " + k + " that this run does not have");
        }
        RunFolder f = new RunFolder(dir);
        Checkpoint cp = f.readCheckpoint();
        f.openEvents(cp == null ? 0 : cp.eventsBytes());
        return f;
    }

    /** Updates the settings recorded in run.json (after a resume that changed one that may change). */
    public void updateSettings(Map<String, Object> settings) {
        record("settings", settings);
    }

    /**
     * Records {@code value} under {@code key} at the top level of run.json (beside the settings, so
     * resuming does not compare it): e.g. the cluster's members.
     */
    public synchronized void record(String key, Object value) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> run = JSON.readValue(file(RUN).toFile(), LinkedHashMap.class);
            run.put(key, value);
            writeJson(file(RUN), run);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + file(RUN), e);
        }
    }

    private void openEvents(long keep) {
        try {
            Path p = dir.resolve(EVENTS);
            if (!Files.exists(p)) Files.createFile(p);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                if (ch.size() > keep) ch.truncate(keep);
            }
            eventsBytes = Files.size(p);
            events = Files.newOutputStream(p, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + dir.resolve(EVENTS), e);
        }
    }

    @Override
    public synchronized void event(String type, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", type);
        line.putAll(fields);
        try {
            byte[] b = (LINE.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            events.write(b);
            events.flush();
            eventsBytes += b.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(EVENTS), e);
        }
    }

    /** The state after a finished generation. */
    public record Checkpoint(int generation, List<SavedMember> population, Map<String, SavedMember> seeds,
                             Map<String, Double> cache,
                             long evaluations, long evaluatedTokens, List<double[]> curve, Map<String, Long> counters,
                             long eventsBytes, double seconds) {}

    /** A population member as saved: rates, counts and fitness. */
    public record SavedMember(double[] rates, int[] attention, int[] mlp, double fitness) {}

    /** Writes the checkpoint atomically, recording how long events.jsonl is now. */
    public synchronized void writeCheckpoint(Checkpoint cp) {
        writeJson(file(CHECKPOINT), new Checkpoint(cp.generation(), cp.population(), cp.seeds(), cp.cache(), cp.evaluations(),
                cp.evaluatedTokens(), cp.curve(), cp.counters(), eventsBytes, cp.seconds()));
    }

    /** Whether a generation has been checkpointed (the run can be resumed from it). */
    public boolean hasCheckpoint() {
        return Files.isRegularFile(file(CHECKPOINT));
    }

    /** The last checkpoint, or null when the run stopped before its first one. */
    public Checkpoint readCheckpoint() {
        Path p = file(CHECKPOINT);
        if (!Files.isRegularFile(p)) return null;
        try {
            return JSON.readValue(p.toFile(), Checkpoint.class);
        } catch (IOException e) {
            throw new BadInputException(p, "cannot be read: " + e.getMessage(), e);
        }
    }

    static void writeJson(Path file, Object value) {
        AtomicFiles.write(file, out -> JSON.writeValue(nonClosing(out), value));
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static boolean isEmptyDir(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            if (events != null) events.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
