package dev.lopper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes results as JSON, atomically (temp file, then rename): never a half-written file. */
public final class JsonOut {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .findAndRegisterModules();

    private JsonOut() {}

    public static void write(Path path, Object value) {
        Path abs = path.toAbsolutePath();
        try {
            Path dir = abs.getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            try {
                MAPPER.writeValue(tmp.toFile(), value);
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new BadInputException(path, "cannot write JSON: " + e.getMessage());
        }
    }
}
