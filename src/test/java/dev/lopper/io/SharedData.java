package dev.lopper.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared test data (real tokenizers, models, corpora): {@code $LOPPER_SHARED_DATA}, else
 * {@code ../shared/data} beside the repository. A git worktree may sit one level deeper than
 * the main checkout, so further ancestors' {@code shared/data} are tried too. Tests that need
 * a file skip (with a message) when it is absent.
 */
final class SharedData {

    private SharedData() {}

    static Path dir() {
        String env = System.getenv("LOPPER_SHARED_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path repoRoot = Path.of("").toAbsolutePath();
        for (Path up = repoRoot.getParent(); up != null; up = up.getParent()) {
            Path candidate = up.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) return candidate;
        }
        return repoRoot.resolveSibling("shared").resolve("data");
    }

    /** The file at {@code relative} under the data dir; skips the test when it is missing. */
    static Path require(String relative) {
        Path file = dir().resolve(relative);
        assumeTrue(Files.exists(file), () -> "shared data not available, skipping: " + file.toAbsolutePath()
                + " (set LOPPER_SHARED_DATA to the shared/data directory)");
        return file;
    }
}
