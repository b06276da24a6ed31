package dev.lopper.util;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files and folders a run is still making (staging folders, temporary files, a half-made report
 * folder). A JVM shutdown hook deletes whatever is still registered, so Ctrl-C (SIGINT) or
 * SIGTERM leaves nothing behind; the normal paths (success and exceptions) clean up themselves
 * and then {@link Registration#close()} forgets the path.
 */
public final class Leftovers {
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();
    private static boolean hookInstalled;

    private Leftovers() {}

    /** Deletes {@code path} (a file or a whole folder) if the JVM shuts down before the registration is closed. */
    public static Registration register(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        installHook();
        PENDING.add(abs);
        return new Registration(abs);
    }

    /** An open registration; closing it forgets the path (it does not delete it). */
    public static final class Registration implements AutoCloseable {
        private final Path path;

        private Registration(Path path) {
            this.path = path;
        }

        @Override
        public void close() {
            PENDING.remove(path);
        }
    }

    private static synchronized void installHook() {
        if (hookInstalled) return;
        Runtime.getRuntime().addShutdownHook(new Thread(Leftovers::deleteAll, "lopper-leftovers"));
        hookInstalled = true;
    }

    /**
     * Runs in the shutdown hook while the interrupted thread may still be writing into the folder:
     * a file can appear after the walk, so each path is retried a few times.
     */
    static void deleteAll() {
        for (Path p : PENDING) {
            for (int attempt = 0; attempt < 50 && Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); attempt++) {
                try {
                    deleteTree(p);
                } catch (IOException e) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /** Deletes a file or folder tree, ignoring failures (used on paths that already failed). */
    public static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException ignored) {
            // the original failure matters more than a leftover
        }
    }

    /** Deletes a file or a folder tree (links are deleted, not followed); quiet when it is already gone. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) throw exc;
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
