package dev.lopper.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.util.TerminalProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lives in eval so the project's eval test filter runs it. */
class TerminalProgressTest {
    @Test
    void silentWhenNotATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress progress = new TerminalProgress(new PrintStream(bytes), false);
        progress.update(1, 10, "boolq");
        progress.update(10, 10, "boolq");
        assertEquals(0, bytes.size());
    }

    @Test
    void drawsOneLineAndEndsItWhenDone() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress progress = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        progress.update(0, 4, "piqa");
        progress.update(4, 4, "piqa");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\rpiqa ["), out);
        assertTrue(out.contains("100% 4/4"), out);
        assertTrue(out.endsWith(System.lineSeparator()), out);
        assertFalse(out.substring(0, out.length() - System.lineSeparator().length()).contains("\n"), out);
    }

    @Test
    void envDecidesTerminal() {
        assertTrue(TerminalProgress.stderrIsTerminal(Map.of("LOPPER_TTY", "1")));
        assertFalse(TerminalProgress.stderrIsTerminal(Map.of("LOPPER_TTY", "0")));
    }
}
