package dev.lopper;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shared data folder for golden tests on real files: $LOPPER_SHARED_DATA, else
 * ../shared/data beside the repository (or beside the nearest ancestor, for git worktrees).
 * Tests call {@link #require} so they are skipped, saying why, when the data is absent.
 */
public final class SharedData {
    private SharedData() {}

    public static Path dir() {
        String env = System.getenv("LOPPER_SHARED_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path repo = Path.of("").toAbsolutePath();
        for (Path up = repo.getParent(); up != null; up = up.getParent()) {
            Path candidate = up.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) return candidate;
        }
        return repo.resolveSibling("shared").resolve("data");
    }

    /** The eval/ folder of the data; skips the calling test when it does not exist. */
    public static Path evalDir() {
        return require("eval").toAbsolutePath().normalize();
    }

    /** A path under the data folder; skips the calling test when it does not exist. */
    public static Path require(String relative) {
        Path p = dir().resolve(relative);
        assumeTrue(Files.exists(p), "skipped: shared data not found at " + p.toAbsolutePath()
                + " (set LOPPER_SHARED_DATA to the data folder to run this test)");
        return p;
    }
}
