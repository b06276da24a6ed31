package dev.lopper.eval;

import dev.lopper.io.PruningRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * When and by what a report was written: date (UTC), Lopper's version and the git commit of the
 * checkout Lopper runs from ({@code git describe --always --dirty}; "unknown" outside a git checkout).
 */
public record ReportStamp(String date, String version, String commit) {

    public static ReportStamp now() {
        return new ReportStamp(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                PruningRecord.currentVersion(), gitCommit());
    }

    /** One Markdown line. */
    public String line() {
        return "Written " + date + " by Lopper " + version + " (git commit " + commit + ").";
    }

    /** The commit of the checkout beside the launcher (LOPPER_HOME) or of the working directory. */
    static String gitCommit() {
        String home = System.getenv("LOPPER_HOME");
        Path dir = home != null && !home.isBlank() ? Path.of(home) : Path.of("");
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toAbsolutePath().toString(), "describe", "--always",
                    "--dirty", "--abbrev=12").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            return p.exitValue() == 0 && !out.isEmpty() ? out : "unknown";
        } catch (IOException e) {
            return "unknown";    // no git installed: the commit is informative only
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

}
