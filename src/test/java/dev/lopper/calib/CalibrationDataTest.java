package dev.lopper.calib;

import dev.lopper.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CalibrationDataTest {
    private static int[] corpus(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i;   // token = position, so a window shows where it came from
        return t;
    }

    @Test
    void randomWindowsAreReproducibleNonOverlappingAndCutFromTheCorpus() {
        int[] c = corpus(1000);
        CalibrationData a = CalibrationData.random(c, 7, 50, 42);
        CalibrationData b = CalibrationData.random(c, 7, 50, 42);
        assertArrayEquals(a.offsets(), b.offsets());
        assertArrayEquals(a.batch(0, 7), b.batch(0, 7));
        assertFalse(Arrays.equals(a.offsets(), CalibrationData.random(c, 7, 50, 43).offsets()),
                "another seed gives other windows");
        int[] off = a.offsets();
        for (int i = 0; i < 7; i++) {
            assertTrue(off[i] >= 0 && off[i] + 50 <= 1000, "window " + i + " inside the corpus");
            if (i > 0) assertTrue(off[i] >= off[i - 1] + 50, "windows " + (i - 1) + " and " + i + " overlap");
            int[] w = a.window(i);
            for (int k = 0; k < 50; k++) assertEquals(off[i] + k, w[k]);
        }
    }

    @Test
    void exactlyFullCorpusAndConsecutiveWindows() {
        int[] c = corpus(30);
        assertArrayEquals(new int[]{0, 10, 20}, CalibrationData.random(c, 3, 10, 1).offsets());
        CalibrationData d = CalibrationData.consecutive(c, 2, 10);
        assertArrayEquals(new int[]{0, 10}, d.offsets());
        assertEquals(10, d.batch(1, 1)[0]);
        assertEquals(2 * 10, d.batch(0, 2).length);
    }

    @Test
    void textShorterThanOneWindowIsAClearError() {
        BadInputException e = assertThrows(BadInputException.class, () -> CalibrationData.random(corpus(20), 1, 64, 0));
        assertTrue(e.getMessage().contains("20 tokens") && e.getMessage().contains("shorter than one window of 64"),
                e.getMessage());
        BadInputException tooMany = assertThrows(BadInputException.class,
                () -> CalibrationData.consecutive(corpus(100), 3, 40));
        assertTrue(tooMany.getMessage().contains("only 2 windows of 40 tokens fit, 3 asked"), tooMany.getMessage());
    }

    /** Calibration text is read as any corpus is (C4 JSONL or a plain file). */
    private static String read(Path file) {
        return dev.lopper.data.TextCorpus.resolve(file.toString(), null).text();
    }

    @Test
    void readsC4JsonlAndPlainText(@TempDir Path dir) throws Exception {
        Path jsonl = dir.resolve("c4.jsonl");
        Files.writeString(jsonl, "{\"text\":\"first doc\",\"url\":\"u\"}\n\n{\"text\":\"second\\ndoc\"}\n");
        assertEquals("first doc\n\nsecond\ndoc", read(jsonl));
        Path txt = dir.resolve("a.txt");
        Files.writeString(txt, "plain ü text");
        assertEquals("plain ü text", read(txt));

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\":\"ok\"}\n{\"title\":\"no text\"}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> read(bad));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("bad.jsonl"), e.getMessage());
        BadInputException missing = assertThrows(BadInputException.class,
                () -> read(dir.resolve("none.txt")));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }
}
