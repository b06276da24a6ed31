package dev.lopper.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Lopper's one version string, taken from the pom (Maven writes it into {@code version.properties}
 * when it copies the resources): {@code --version}, pruning.json and reports all use it.
 */
public final class Version {
    private static final String CURRENT = load();

    private Version() {}

    /** The pom's version, e.g. {@code 0.1.0-SNAPSHOT}; "development" when the resource was not filtered. */
    public static String current() {
        return CURRENT;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/lopper/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.contains("${")) return v.strip();
            }
        } catch (IOException ignored) {
            // fall through: the version is informative only
        }
        return "development";
    }
}
