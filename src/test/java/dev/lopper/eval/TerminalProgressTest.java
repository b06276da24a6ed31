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
    void aLongJobLogsAPlainLineAMinuteWhenNotATerminal() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        var make = TerminalProgress.class.getDeclaredConstructor(PrintStream.class, boolean.class,
                java.util.function.LongSupplier.class);
        make.setAccessible(true);
        TerminalProgress progress = make.newInstance(new PrintStream(bytes, true, StandardCharsets.UTF_8), false,
                (java.util.function.LongSupplier) () -> now[0]);
        long second = 1_000_000_000L;
        progress.update(0, 80, "fusion | step 0");
        now[0] = 30 * second;
        progress.update(1, 80, "fusion | step 1");      // under a minute: nothing yet
        assertEquals(0, bytes.size());
        now[0] = 61 * second;
        progress.update(2, 80, "fusion | step 2");
        now[0] = 90 * second;
        progress.update(3, 80, "fusion | step 3");      // under a minute since the last line
        now[0] = 122 * second;
        progress.update(4, 80, "fusion | step 4");
        now[0] = 130 * second;
        progress.update(80, 80, "fusion | step 80");    // the end of a job that logged
        progress.update(1, 1, "writing");                // a short job: silent
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator());
        assertEquals(3, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("fusion | step 2 ["), lines[0]);
        assertTrue(lines[0].contains("2/80") && lines[0].contains("ETA 39:"), lines[0]);
        assertTrue(lines[1].startsWith("fusion | step 4 ["), lines[1]);
        assertTrue(lines[2].contains("100% 80/80"), lines[2]);
        for (String line : lines) assertFalse(line.contains("\r"), line);
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
