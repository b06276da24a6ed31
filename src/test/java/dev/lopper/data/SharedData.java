package dev.lopper.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the staged shared data for tests: env LOPPER_SHARED_DATA, else ../shared/data from the repo root
 * (or ../../shared/data, for worktrees). */
public final class SharedData {
    private SharedData() {}

    public static Path evalDir() {
        String env = System.getenv("LOPPER_SHARED_DATA");
        Path root = env != null && !env.isBlank() ? Path.of(env) : Path.of("..", "shared", "data");
        // A git worktree under wt/ sits one level deeper than the main checkout.
        if (env == null && !Files.isDirectory(root)) root = Path.of("..", "..", "shared", "data");
        Path eval = root.resolve("eval").toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(eval), "shared data not found at " + eval
                + " (set LOPPER_SHARED_DATA to the shared/data dir); skipping tests on the real files");
        return eval;
    }
}
