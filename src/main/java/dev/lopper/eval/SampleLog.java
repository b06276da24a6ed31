package dev.lopper.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams sample records to a temporary file and renames it over the target on
 * {@link #commit()}; closing without commit deletes it, so a failed run leaves no half log.
 */
final class SampleLog implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.INDENT_OUTPUT);

    private final Path target;
    private final Path tmp;
    private final BufferedWriter out;
    private final dev.lopper.util.Leftovers.Registration pending;
    private boolean committed;

    SampleLog(Path target) {
        this.target = target;
        try {
            this.tmp = dev.lopper.util.AtomicFiles.newTempSibling(target);
            this.pending = dev.lopper.util.Leftovers.register(tmp);   // deleted on Ctrl-C too
            this.out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create sample log " + target, e);
        }
    }

    void append(SampleRecord record) {
        try {
            out.write(MAPPER.writeValueAsString(record));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sample log " + target, e);
        }
    }

    void commit() {
        try {
            out.close();
            dev.lopper.util.AtomicFiles.move(tmp, target);
            committed = true;
            pending.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sample log " + target, e);
        }
    }

    @Override
    public void close() {
        if (committed) return;
        try {
            out.close();
            Files.deleteIfExists(tmp);
            pending.close();
        } catch (IOException ignored) {
            // Already failing; a leftover temp file is the lesser problem.
        }
    }
}
