package dev.lopper.util;

import dev.lopper.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of where a command will write, made before the work starts, so that a long run never
 * ends in an error about its output (and an output never lands on one of its inputs).
 */
public final class OutputPaths {
    private OutputPaths() {}

    /** A file written at the end ({@code --json}, {@code --log-samples}): refused now if it is a folder or cannot be made. */
    public static void checkFile(Path file, String option) {
        if (file == null) return;
        if (Files.isDirectory(file)) throw new BadInputException(file, "is a folder; " + option + " wants a file");
        checkParent(file, option);
    }

    /** A folder written at the end ({@code --report}): refused now if it exists as a file or cannot be made. */
    public static void checkFolder(Path dir, String option) {
        if (dir == null) return;
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new BadInputException(dir, "exists and is not a folder; " + option + " wants a folder");
        checkParent(dir, option);
    }

    /**
     * The output folder must not be an input, lie inside one, or contain one: writing it (and,
     * with --force, deleting the old one) would destroy or change what is being read. Refused
     * even with --force.
     */
    public static void checkApart(Path out, String outOption, Path input, String inputOption) {
        if (out == null || input == null) return;
        Path o = real(out), i = real(input);
        if (o.equals(i) || o.startsWith(i) || i.startsWith(o)) {
            throw new BadInputException(out, outOption + " " + (o.equals(i) ? "is" : o.startsWith(i) ? "is inside" : "contains")
                    + " " + inputOption + " " + input + "; choose an output folder outside it");
        }
    }

    /** The path with every existing part's links resolved, the rest appended as given. */
    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }

    private static void checkParent(Path p, String option) {
        Path ancestor = p.toAbsolutePath().normalize().getParent();
        while (ancestor != null && !Files.exists(ancestor)) ancestor = ancestor.getParent();
        if (ancestor == null) return;
        if (!Files.isDirectory(ancestor))
            throw new BadInputException(p, "cannot be made: " + ancestor + " is a file (" + option + ")");
        if (!Files.isWritable(ancestor))
            throw new BadInputException(p, "cannot be written: " + ancestor + " is not writable (" + option + ")");
    }
}
