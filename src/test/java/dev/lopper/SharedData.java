package dev.lopper;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The data for golden tests on real files. Files embedded in the test resources
 * ({@code src/test/resources/shared-data}, laid out like the shared folder: the stories260K model
 * in both formats, ORIGIN.md) are found there first, so their tests run on a fresh clone. The
 * rest comes from the data folder the README names: $LOPPER_DATA, else ../shared/data beside the
 * repository (or beside the nearest ancestor, for git worktrees).
 *
 * <p>Tests call {@link #require}: when the file is in neither place the test is skipped, saying
 * why; but when the shared folder exists and the environment says {@code CI=true}, it fails
 * instead, so a CI run cannot pass by silently skipping its golden checks.
 */
public final class SharedData {
    private SharedData() {}

    public static Path dir() {
        String env = System.getenv("LOPPER_DATA");
        if (env == null || env.isBlank()) env = System.getenv("LOPPER_SHARED_DATA");   // the old name, still read
        if (env != null && !env.isBlank()) return Path.of(env);
        Path repo = Path.of("").toAbsolutePath();
        for (Path up = repo.getParent(); up != null; up = up.getParent()) {
            Path candidate = up.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) return candidate;
        }
        return repo.resolveSibling("shared").resolve("data");
    }

    /** The eval/ folder of the data; skips (or, on CI, fails) the calling test when it does not exist. */
    public static Path evalDir() {
        return require("eval").toAbsolutePath().normalize();
    }

    /** A path under the data folder, embedded copy first; skips (or, on CI, fails) the calling test when absent. */
    public static Path require(String relative) {
        Path embedded = embedded(relative);
        if (embedded != null) return embedded;
        Path p = dir().resolve(relative);
        if (!Files.exists(p)) skipOrFail(p, System.getenv("CI"));
        return p;
    }

    /** The test-resource copy of a shared-data path, or null when none is embedded. */
    static Path embedded(String relative) {
        URL url = SharedData.class.getResource("/shared-data/" + relative);
        if (url == null || !"file".equals(url.getProtocol())) return null;
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(url.toString(), e);
        }
    }

    /** Skips the calling test; fails it when {@code ci} is "true" and the shared folder itself exists. */
    static void skipOrFail(Path missing, String ci) {
        String where = missing.toAbsolutePath().toString();
        if ("true".equalsIgnoreCase(ci) && Files.isDirectory(dir()))
            fail("CI=true and the shared data folder " + dir().toAbsolutePath() + " exists, but " + where
                    + " does not: a golden test must not skip on CI");
        assumeTrue(false, "skipped: shared data not found at " + where
                + " (set LOPPER_DATA to the data folder to run this test)");
    }
}
