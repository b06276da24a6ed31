package dev.lopper.data;

import dev.lopper.BadInputException;
import dev.lopper.Setting;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where data sets live: {@code --data DIR}, else the {@code LOPPER_DATA} environment variable,
 * else {@code ../shared/data} beside the Lopper checkout (set by the launcher as LOPPER_HOME),
 * else {@code ../shared/data} relative to the working directory.
 */
public final class DataDir {
    private DataDir() {}

    public static Path resolve(Path option) {
        if (option != null) return option;
        String env = System.getenv("LOPPER_DATA");
        if (env != null && !env.isBlank()) return Path.of(env);
        String home = System.getenv("LOPPER_HOME");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home).resolve("../shared/data").normalize();
            if (Files.isDirectory(p)) return p;
        }
        return Path.of("../shared/data");
    }

    /**
     * A file or folder that ships with Lopper (the embedded model, the demo texts): under the
     * checkout the launcher runs from (LOPPER_HOME), else relative to the working directory.
     */
    public static Path bundled(String relative) {
        String home = System.getenv("LOPPER_HOME");
        return home != null && !home.isBlank() ? Path.of(home).resolve(relative) : Path.of(relative);
    }

    static Path require(Path dir) {
        Path d = resolve(dir);
        if (!Files.isDirectory(d))
            throw new BadInputException(d, "data folder not found; give " + Setting.DATA_FOLDER.mention() + " DIR or set LOPPER_DATA");
        return d;
    }
}
