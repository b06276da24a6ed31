package dev.lopper.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Rename-into-place helpers, so readers never see a half-written file or folder. */
final class AtomicFiles {
    private AtomicFiles() {}

    /** Moves {@code from} onto {@code to}, atomically where the file system allows it. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A fresh, unused sibling name such as {@code .model.tmp-1234}. */
    static Path sibling(Path target, String tag) {
        Path parent = target.toAbsolutePath().getParent();
        String base = "." + target.getFileName() + "." + tag + "-";
        for (int i = 0; ; i++) {
            Path p = parent.resolve(base + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + i);
            if (!Files.exists(p)) return p;
        }
    }

    /** Deletes a file or a folder tree; quiet when it is already gone. */
    static void deleteRecursively(Path p) {
        try {
            dev.lopper.util.Leftovers.deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }
}
