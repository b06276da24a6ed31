package dev.lopper;

import java.nio.file.Path;

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
}
