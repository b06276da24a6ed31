package dev.lopper.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** B/A ratios are paired run by run, carry their range, and a range across 1 is called noise. */
class SpeedReportTest {
    @TempDir Path dir;

    private static SpeedBench.Stat stat(double... runs) {
        return SpeedBench.Stat.of(runs);
    }

    private static SpeedBench.ModelSpeed model(String label, long params, SpeedBench.Stat prefill, SpeedBench.Stat decode) {
        return new SpeedBench.ModelSpeed(label, params, 2 * params, prefill, decode, stat(40, 42, 44), stat(100, 110, 120));
    }

    @Test
    void ratiosArePairedRunByRunWithTheirRange() {
        // Run 2 was slow for both models: paired ratios are all 2.0, while medians alone would say 2.0 too
        // but the unpaired min/max would overlap. Decode: B is faster in two runs, slower in one.
        SpeedBench.ModelSpeed a = model("dense", 1000, stat(100, 50, 100), stat(10, 10, 10));
        SpeedBench.ModelSpeed b = model("pruned", 700, stat(200, 100, 200), stat(12, 9, 11));
        SpeedBench.Comparison c = SpeedBench.Comparison.of(a, b);
        assertEquals(2.0, c.prefill().median(), 1e-12);
        assertEquals(2.0, c.prefill().min(), 1e-12);
        assertEquals(2.0, c.prefill().max(), 1e-12);
        assertFalse(c.prefill().withinNoise());
        assertEquals(1.1, c.decode().median(), 1e-12);
        assertEquals(0.9, c.decode().min(), 1e-12);
        assertEquals(1.2, c.decode().max(), 1e-12);
        assertTrue(c.decode().withinNoise());
        assertEquals(0.7, c.parameters(), 1e-12);

        String text = SpeedReport.comparison("dense", "pruned", c, 3);
        assertTrue(text.contains("- prefill tokens/s: 2.00× as fast [2.00–2.00]\n"), text);
        assertTrue(text.contains("- decode tokens/s: 1.10× as fast [0.90–1.20]: **within noise**"), text);
        for (String line : text.lines().filter(l -> l.contains("tokens/s") || l.contains("first token")).toList())
            assertFalse(line.matches(".*\\d\\.\\d{3}×.*"), "speed ratios with two decimals, not three: " + line);
    }

    @Test
    void speedChartHasItsFourPanels() throws Exception {
        SpeedBench.ModelSpeed a = model("dense", 1000, stat(100, 50, 100), stat(10, 10, 10));
        SpeedBench.ModelSpeed b = model("pruned", 700, stat(200, 100, 200), stat(12, 9, 11));
        Path png = Charts.speed(dir.resolve("speed.png"), List.of(a, b));
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(960, img.getWidth());
        assertEquals(660, img.getHeight());
        assertTrue(Files.size(png) > 5000);
    }
}
