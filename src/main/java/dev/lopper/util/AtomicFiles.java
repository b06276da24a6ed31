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
            move(tmp, target);
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

    /** Moves {@code from} onto {@code to}, atomically where the file system allows it. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A fresh, unused sibling name such as {@code .model.tmp-1234-…} for a staging file or folder (not created). */
    public static Path sibling(Path target, String tag) {
        Path parent = target.toAbsolutePath().getParent();
        String base = "." + target.getFileName() + "." + tag + "-";
        for (int i = 0; ; i++) {
            Path p = parent.resolve(base + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + i);
            if (!Files.exists(p)) return p;
        }
    }

    /** Deletes a file or a folder tree; quiet when it is already gone. */
    public static void deleteRecursively(Path p) {
        try {
            Leftovers.deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
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
