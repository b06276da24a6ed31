package dev.lopper.calib;

import dev.lopper.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** HyWIA's fusion windows: never overlapping the gradient windows, inside the stream, seeded. */
class DisjointWindowsTest {
    private static int[] stream(int n) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) s[i] = i;   // token = its position, so a window shows where it came from
        return s;
    }

    @Test
    void fusionWindowsOverlapNoGradientWindow() {
        int[] shortStream = stream(1000), longStream = stream(3000);
        for (long seed = 0; seed < 20; seed++) {
            CalibrationData grad = CalibrationData.random(shortStream, 10, 64, seed);
            CalibrationData fusion = CalibrationData.disjointFrom(grad, longStream, 16, 32, seed);
            assertEquals(16, fusion.windows());
            boolean[] used = new boolean[longStream.length];
            for (int off : grad.offsets()) for (int i = off; i < off + 64; i++) used[i] = true;
            int previous = -1;
            for (int w = 0; w < fusion.windows(); w++) {
                int[] t = fusion.window(w);
                assertTrue(t[0] > previous, "stream order");
                previous = t[0];
                for (int i = 0; i < t.length; i++) {
                    assertEquals(t[0] + i, t[i], "consecutive tokens");
                    assertFalse(used[t[i]], "seed " + seed + ": token " + t[i] + " is in a gradient window or another fusion window");
                    used[t[i]] = true;
                }
            }
            assertArrayEquals(fusion.offsets(), CalibrationData.disjointFrom(grad, longStream, 16, 32, seed).offsets());
        }
    }

    @Test
    void tooShortAStreamSaysHowManyFit() {
        CalibrationData grad = CalibrationData.consecutive(stream(200), 3, 64);   // tokens 0..191 taken
        // 8 free tokens after them in a stream of 200, then nothing: no window of 16 fits
        BadInputException e = assertThrows(BadInputException.class,
                () -> CalibrationData.disjointFrom(grad, stream(200), 1, 16, 0));
        assertTrue(e.getMessage().contains("only 0 disjoint fusion windows of 16 tokens fit, 1 asked"), e.getMessage());
        assertEquals(1, CalibrationData.disjointFrom(grad, stream(208), 1, 16, 0).windows());
    }
}
