package dev.lopper;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * A problem with what the user gave us (a file, an option), as opposed to a bug.
 * The CLI prints its message as one line and exits with code 2; the message should name
 * the file and say what is wrong with it.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    public BadInputException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public BadInputException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }

    /** The message, a setting mentioned in it ({@link Setting#mention()}) named in words. */
    @Override
    public String getMessage() {
        return message(Setting::words);
    }

    /**
     * The message with each setting mentioned in it named by {@code name} (the CLI: by its option);
     * {@code Setting::mention} keeps the mentions, to put the message inside another one.
     */
    public String message(Function<Setting, String> name) {
        return Setting.render(super.getMessage(), name);
    }
}
