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

    /** One line: Jackson's source note turned into "at line L, column C", newlines and runs of spaces to one space. */
    public static String clean(String message) {
        if (message == null) return "";
        String m = JACKSON_SOURCE.matcher(message).replaceAll(" at line $1, column $2");
        m = m.replaceAll("\\[Source: [^\\]]*\\]", "");
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
