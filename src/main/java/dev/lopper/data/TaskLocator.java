package dev.lopper.data;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds a task's file. Accepted specs: a task name ("boolq"), "name=path" (any file, read with
 * that task's format), or a path to a staged file whose file name identifies the task.
 * Names resolve under, in order: the data dir option, env LOPPER_DATA, ../shared/data/eval
 * relative to the working directory.
 */
public final class TaskLocator {
    public static final String ENV_DATA = "LOPPER_DATA";
    static final Path DEFAULT_RELATIVE = Path.of("..", "shared", "data", "eval");

    private final Path dataDir;

    /** @param dataDirOption the --data-dir option, or null */
    public TaskLocator(Path dataDirOption, Map<String, String> env, Path workingDir) {
        this.dataDir = chooseDataDir(dataDirOption, env, workingDir);
    }

    /** Tasks under the data folder that {@link DataDir} resolves (its eval/ subfolder). */
    public static TaskLocator fromEnvironment(Path dataDirOption) {
        Path root = DataDir.resolve(dataDirOption).toAbsolutePath().normalize();
        return new TaskLocator(evalFolder(root), Map.of(), root);
    }

    static Path chooseDataDir(Path option, Map<String, String> env, Path workingDir) {
        if (option != null) return evalFolder(option);
        String fromEnv = env.get(ENV_DATA);
        if (fromEnv != null && !fromEnv.isBlank()) return evalFolder(Path.of(fromEnv));
        return workingDir.resolve(DEFAULT_RELATIVE).normalize();
    }

    /** The data root holds the tasks in eval/; a folder that is itself the eval folder works too. */
    private static Path evalFolder(Path dir) {
        Path eval = dir.resolve("eval");
        return Files.isDirectory(eval) ? eval : dir;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Resolves each spec in order; "all" stands for every known task, "standard" for the seven-task table. */
    public List<TaskSource> resolveAll(List<String> specs) {
        List<TaskSource> sources = new ArrayList<>();
        for (String spec : specs) {
            switch (spec) {
                case "all" -> Tasks.ALL.forEach(t -> sources.add(resolve(t.name())));
                case "standard" -> Tasks.STANDARD_SEVEN.forEach(t -> sources.add(resolve(t.name())));
                default -> sources.add(resolve(spec));
            }
        }
        return sources;
    }

    public TaskSource resolve(String spec) {
        int eq = spec.indexOf('=');
        if (eq > 0) {
            ZeroShotTask task = Tasks.byName(spec.substring(0, eq));
            return new TaskSource(task, existingFile(Path.of(spec.substring(eq + 1)), task));
        }
        var named = Tasks.find(spec);
        if (named.isPresent()) {
            ZeroShotTask task = named.get();
            return new TaskSource(task, existingFile(dataDir.resolve(task.relativeFile()), task));
        }
        Path asPath = Path.of(spec);
        if (Files.isRegularFile(asPath)) {
            String fileName = asPath.getFileName().toString();
            for (ZeroShotTask task : Tasks.ALL) {
                if (task.relativeFile().getFileName().toString().equals(fileName)) {
                    return new TaskSource(task, asPath);
                }
            }
            throw new BadInputException(asPath, "cannot tell which task this file is; use name=path, e.g. boolq="
                    + spec);
        }
        throw new BadInputException("\"" + spec + "\" is neither a known task nor a file");
    }

    private Path existingFile(Path file, ZeroShotTask task) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "data file for task " + task.name() + " not found (data dir "
                    + dataDir + "; set " + Setting.TASK_DATA_FOLDER.mention() + " or " + ENV_DATA + ")");
        }
        return file;
    }
}
