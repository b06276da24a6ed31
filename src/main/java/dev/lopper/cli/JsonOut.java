package dev.lopper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;
import dev.lopper.util.AtomicFiles;
import dev.lopper.util.ErrorText;

import java.nio.file.Path;

/** Writes results as JSON, atomically (temp file, then rename): never a half-written file. */
public final class JsonOut {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .findAndRegisterModules();

    private JsonOut() {}

    public static void write(Path path, Object value) {
        try {
            AtomicFiles.write(path, out -> MAPPER.writeValue(out, value));
        } catch (java.io.UncheckedIOException e) {
            throw new BadInputException(path, "cannot write JSON: " + ErrorText.of(e.getCause()));
        }
    }
}
