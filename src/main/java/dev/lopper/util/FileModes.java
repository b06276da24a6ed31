package dev.lopper.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * POSIX permissions for written outputs: a pruned folder gets the permissions of the model it
 * came from (files like the model's files, the folder like the model's folder), not the 0600 of
 * a temporary file. The owner always keeps read and write (and search on folders), so a pruned
 * copy of a read-only model (0444 files) can still be replaced with --force or deleted. On file
 * systems without POSIX permissions this does nothing.
 */
public final class FileModes {
    private FileModes() {}

    /**
     * Gives every regular file under {@code folder} the permissions of {@code modelFile} and
     * the folders those of {@code modelFolder} (for a one-file model: the file's, with x where r is).
     */
    public static void copyFromModel(Path model, Path folder) throws IOException {
        Set<PosixFilePermission> file = permissions(Files.isDirectory(model) ? weightsFile(model) : model);
        if (file == null) return;
        Set<PosixFilePermission> dir = Files.isDirectory(model) ? permissions(model) : withSearch(file);
        if (dir == null) return;
        file = plus(file, PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        dir = plus(dir, PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isDirectory(p)) Files.setPosixFilePermissions(p, dir);
                else if (Files.isRegularFile(p)) Files.setPosixFilePermissions(p, file);
            }
        }
    }

    private static Path weightsFile(Path modelDir) {
        for (String name : new String[] {"model.safetensors", "model.safetensors.index.json", "config.json"}) {
            Path p = modelDir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        return modelDir.resolve("config.json");
    }

    /** The file's permissions, or null where the file system has none (or the file is gone). */
    private static Set<PosixFilePermission> permissions(Path p) {
        if (Files.getFileAttributeView(p, PosixFileAttributeView.class) == null) return null;
        try {
            return Files.getPosixFilePermissions(p);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static Set<PosixFilePermission> plus(Set<PosixFilePermission> base, PosixFilePermission... more) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        s.addAll(base);
        s.addAll(java.util.List.of(more));
        return s;
    }

    private static Set<PosixFilePermission> withSearch(Set<PosixFilePermission> file) {
        Set<PosixFilePermission> d = EnumSet.noneOf(PosixFilePermission.class);
        d.addAll(file);
        if (file.contains(PosixFilePermission.OWNER_READ)) d.add(PosixFilePermission.OWNER_EXECUTE);
        if (file.contains(PosixFilePermission.GROUP_READ)) d.add(PosixFilePermission.GROUP_EXECUTE);
        if (file.contains(PosixFilePermission.OTHERS_READ)) d.add(PosixFilePermission.OTHERS_EXECUTE);
        return d;
    }
}
