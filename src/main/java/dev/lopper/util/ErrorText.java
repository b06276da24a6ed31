package dev.lopper.util;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.util.regex.Pattern;

/**
 * The text of a library's exception as a user should see it: one line, and for Jackson the
 * problem and its line/column without Jackson's internal {@code [Source: REDACTED …]} note.
 */
public final class ErrorText {
    /** Jackson's location suffix: "\n at [Source: …; line: 3, column: 7]" (possibly with a reference path). */
    private static final Pattern JACKSON_SOURCE = Pattern.compile("\\s*at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]",
            Pattern.DOTALL);

    private ErrorText() {}

    /** The exception's message, cleaned: Jackson's original message plus "at line L, column C". */
    public static String of(Throwable e) {
        if (e instanceof JsonProcessingException j) {
            String m = j.getOriginalMessage();
            JsonLocation loc = j.getLocation();
            if (loc != null && loc.getLineNr() > 0)
                m = m + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            return clean(m);
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : clean(m);
    }

    /** What the operating system says when the user's disk, quota or permissions stop a write (errno texts). */
    private static final java.util.List<String> ENVIRONMENT = java.util.List.of("No space left on device",
            "Disk quota exceeded", "Read-only file system", "Permission denied", "File too large",
            "Input/output error", "Too many open files", "Not a directory", "Is a directory");

    /**
     * One line for a failure of the user's environment rather than of Lopper: a full disk, a quota,
     * a read-only or missing folder, a permission; null for anything else. The line names the path
     * (from the file-system exception or the message of the wrapper that was writing it) and the
     * cause, e.g. "cannot write out/model.safetensors: No space left on device".
     */
    public static String ioFailure(Throwable e) {
        String where = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.file.FileSystemException fs) {
                String reason = fs.getReason() != null ? fs.getReason()
                        : fs instanceof java.nio.file.AccessDeniedException ? "Permission denied"
                        : fs instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                        : fs.getClass().getSimpleName();
                String file = fs.getFile() != null ? fs.getFile() : where;
                return (where != null && file != null && !where.contains(file) ? where + ": " : "")
                        + (file != null ? "cannot write " + file + ": " : "") + reason;
            }
            if (t instanceof java.io.IOException && t.getMessage() != null) {
                for (String known : ENVIRONMENT) {
                    if (t.getMessage().contains(known))
                        return (where != null ? where + ": " : "") + known;
                }
            }
            if (where == null && t.getMessage() != null && t.getMessage().startsWith("cannot ")) {
                String m = clean(t.getMessage());
                int colon = m.indexOf(": ");
                where = colon > 0 ? m.substring(0, colon) : m;
            }
        }
        return null;
    }

    /** One line: Jackson's source note turned into "at line L, column C", newlines and runs of spaces to one space. */
    public static String clean(String message) {
        if (message == null) return "";
        String m = JACKSON_SOURCE.matcher(message).replaceAll(" at line $1, column $2");
        m = m.replaceAll("\\[Source: [^\\]]*\\]", "");
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
