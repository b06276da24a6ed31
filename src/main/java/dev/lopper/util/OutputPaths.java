package dev.lopper.util;

import dev.lopper.BadInputException;
import dev.lopper.Setting;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one check of where a command will write, made before any work and before anything is
 * written, so that nothing the user has is lost and a long run never ends in an error about its
 * output. Every command names its inputs and its outputs to a {@link Guard}; {@link Guard#check()}
 * refuses (bad input, exit 2, one line naming the path and the option):
 * <ul>
 * <li>an output that is an input, lies inside an input folder, or holds an input (the model's
 *     folder and files, a tokenizer, a rates file, a data file, a teacher), even with --force;
 *     links and other spellings of a path are resolved first, hard links compared by file;</li>
 * <li>two outputs that are the same path or one inside the other;</li>
 * <li>an existing file, or an existing folder that is not empty, unless --force was given
 *     (every command that writes has it, with this one meaning); with --force a folder is replaced only
 *     when it is empty or holds the file that marks it as written by Lopper (a run folder's
 *     {@code run.json}, a model folder's {@code config.json}, a report's {@code report.md});</li>
 * <li>a file where a folder is wanted and the reverse, and a path whose folder is a file or is
 *     not writable.</li>
 * </ul>
 * The outputs themselves are written atomically ({@link AtomicFiles}, staging folders renamed
 * into place), so a failure leaves the old file or nothing.
 */
public final class OutputPaths {
    private OutputPaths() {}

    /** What a command will write at {@link Output#path}. */
    public enum Kind {
        /** A file, replaced only with --force. */
        FILE,
        /** A folder, created; an existing one is replaced (or written into) only with --force. */
        FOLDER,
        /** A folder that must not exist yet (the demo's report without --force). */
        NEW_FOLDER,
        /** An existing folder written in place (a search run being resumed). */
        EXISTING_FOLDER
    }

    /** An input path and the option that named it. */
    public record Input(Path path, String option) {}

    /**
     * An output path, the option that named it, what is written there, and for a folder the file
     * that shows Lopper wrote it (null: a non-empty folder is never replaced).
     */
    public record Output(Path path, String option, Kind kind, String marker) {
        /** What to say when the output exists and --force was not given. */
        String whenExists() {
            if (kind == Kind.FOLDER && RUN_MARKER.equals(marker) && Files.isRegularFile(path.resolve(marker)))
                return "continue it with " + Setting.RESUME.mention() + " " + path + " or replace it with "
                        + Setting.FORCE.mention() + " (" + option + ")";
            return "use " + Setting.FORCE.mention() + " to replace it (" + option + ")";
        }
    }

    /** The file that marks a search's run folder (allocation.search.RunFolder.RUN). */
    private static final String RUN_MARKER = "run.json";

    /** A new guard; {@code force} is the command's --force. */
    public static Guard guard(boolean force) {
        return new Guard(force);
    }

    /** The inputs and outputs of one command, checked together. */
    public static final class Guard {
        private final boolean force;
        private final List<Input> inputs = new ArrayList<>();
        private final List<Output> outputs = new ArrayList<>();

        private Guard(boolean force) {
            this.force = force;
        }

        /** An input (a file or a folder); null is ignored. */
        public Guard input(Path path, String option) {
            if (path != null) inputs.add(new Input(path, option));
            return this;
        }

        /** An input given as a path or a name (a corpus): counted when it names an existing path. */
        public Guard inputNamed(String pathOrName, String option) {
            if (pathOrName == null || pathOrName.isBlank()) return this;
            try {
                Path p = Path.of(pathOrName);
                if (Files.exists(p)) input(p, option);
            } catch (java.nio.file.InvalidPathException e) {
                // not a path: a name
            }
            return this;
        }

        /** Several inputs of one option; null entries are ignored. */
        public Guard inputs(Collection<Path> paths, String option) {
            if (paths != null) for (Path p : paths) input(p, option);
            return this;
        }

        /** An output file; null is ignored. */
        public Guard file(Path path, String option) {
            return output(path, option, Kind.FILE, null);
        }

        /** An output folder, replaced with --force only when it holds {@code marker} (or is empty); null is ignored. */
        public Guard folder(Path path, String option, String marker) {
            return output(path, option, Kind.FOLDER, marker);
        }

        public Guard output(Path path, String option, Kind kind, String marker) {
            if (path != null) outputs.add(new Output(path, option, kind, marker));
            return this;
        }

        /** Refuses the first output that breaks a rule (see the class comment); changes nothing. */
        public void check() {
            for (int k = 0; k < outputs.size(); k++) {
                Output o = outputs.get(k);
                for (Input i : inputs) checkApart(o.path(), o.option(), i.path(), i.option());
                for (int j = 0; j < k; j++) checkApart(o.path(), o.option(), outputs.get(j).path(), outputs.get(j).option());
                switch (o.kind()) {
                    case FILE -> checkFile(o);
                    case FOLDER, NEW_FOLDER, EXISTING_FOLDER -> checkFolder(o);
                }
            }
        }

        private void checkFile(Output o) {
            Path p = o.path();
            if (Files.isDirectory(p)) throw new BadInputException(p, "is a folder; " + o.option() + " wants a file");
            if (Files.exists(p) && !force)
                throw new BadInputException(p, "already exists; " + o.whenExists());
            checkParent(p, o.option());
        }

        private void checkFolder(Output o) {
            Path p = o.path();
            boolean exists = Files.exists(p);
            if (o.kind() == Kind.EXISTING_FOLDER) {
                if (!Files.isDirectory(p)) throw new BadInputException(p, "is not a folder (" + o.option() + ")");
                if (!Files.isWritable(p)) throw new BadInputException(p, "is not writable (" + o.option() + ")");
                return;
            }
            if (exists && !Files.isDirectory(p))
                throw new BadInputException(p, "exists and is not a folder; " + o.option() + " wants a folder");
            if (exists && o.kind() == Kind.NEW_FOLDER)
                throw new BadInputException(p, "already exists; choose another " + o.option() + " or use " + Setting.FORCE.mention()
                        + " to replace it");
            if (exists && !isEmptyFolder(p)) {
                if (!force) throw new BadInputException(p, "already exists; " + o.whenExists());
                if (o.marker() == null || !Files.isRegularFile(p.resolve(o.marker())))
                    throw new BadInputException(p, "holds files Lopper did not write"
                            + (o.marker() == null ? "" : " (no " + o.marker() + ")")
                            + "; " + Setting.FORCE.mention() + " replaces only a folder Lopper wrote; choose another " + o.option());
            }
            if (exists && !Files.isWritable(p))
                throw new BadInputException(p, "cannot be written: not writable (" + o.option() + ")");
            checkParent(p, o.option());
        }
    }

    /**
     * {@code out} must not be {@code input}, lie inside it, or hold it: writing it (and, with
     * --force, deleting the old one) would destroy or change what is being read. Refused even
     * with --force.
     */
    private static void checkApart(Path out, String outOption, Path input, String inputOption) {
        if (out == null || input == null) return;
        Path o = real(out), i = real(input);
        boolean same = o.equals(i) || sameFile(out, input);
        if (same || o.startsWith(i) || i.startsWith(o)) {
            String relation = same ? "is" : o.startsWith(i) ? "is inside" : "contains";
            throw new BadInputException(out, outOption + " " + relation + " " + inputOption + " " + input
                    + "; choose an output outside it");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isEmptyFolder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
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
