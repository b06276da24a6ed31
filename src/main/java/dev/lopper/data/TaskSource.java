package dev.lopper.data;

import java.nio.file.Path;

/** A task and the concrete file its examples are read from. */
public record TaskSource(ZeroShotTask task, Path file) {
    public java.util.List<TaskExample> read() {
        return task.read(file);
    }
}
