package dev.lopper.util;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a file through a temporary sibling and a rename, so readers never see half a file. */
public final class AtomicFiles {
    private AtomicFiles() {}

    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) {
        Path tmp = null;
        Leftovers.Registration pending = null;
        try {
            tmp = newTempSibling(target);
            pending = Leftovers.register(tmp);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + target, e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        } finally {
            if (pending != null) pending.close();
        }
    }

    /**
     * Creates an empty, unused {@code .NAME.<random>.tmp} beside {@code target} (making its folder).
     * Unlike {@link Files#createTempFile} it gets the default permissions (0666 less the umask), not
     * 0600, so the renamed result is as readable as any other file the user writes.
     */
    public static Path newTempSibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        while (true) {
            Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(random.nextLong(), 36) + ".tmp");
            try {
                Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW).close();
                return tmp;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another name
            }
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) return;
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // The original failure matters more than a leftover temp file.
        }
    }
}
