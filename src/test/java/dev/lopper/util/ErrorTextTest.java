package dev.lopper.util;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;

import static org.junit.jupiter.api.Assertions.*;

/** The user's environment (a full disk, a permission) is told apart from a bug, in one line naming the path. */
class ErrorTextTest {
    @Test
    void fullDiskAndPermissionsAreNamedWithTheirPath() {
        assertEquals("cannot write out/model.gguf: No space left on device", ErrorText.ioFailure(
                new UncheckedIOException("cannot write out/model.gguf", new IOException("No space left on device"))));
        assertEquals("cannot write /data/x: Permission denied", ErrorText.ioFailure(
                new RuntimeException(new AccessDeniedException("/data/x"))));
        assertEquals("cannot write /ro/y: Read-only file system", ErrorText.ioFailure(
                new UncheckedIOException(new FileSystemException("/ro/y", null, "Read-only file system"))));
        // The wrapper names the folder being written, the file-system exception the file inside it.
        assertEquals("cannot write run: cannot write run/events.jsonl: Disk quota exceeded", ErrorText.ioFailure(
                new UncheckedIOException("cannot write run", new FileSystemException("run/events.jsonl", null,
                        "Disk quota exceeded"))));
    }

    @Test
    void anythingElseIsNotTheEnvironment() {
        assertNull(ErrorText.ioFailure(new IllegalStateException("index 3 out of bounds")));
        assertNull(ErrorText.ioFailure(new UncheckedIOException("cannot parse", new IOException("unexpected token"))));
    }
}
