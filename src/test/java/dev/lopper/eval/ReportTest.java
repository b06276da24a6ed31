package dev.lopper.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ReportTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    @TempDir Path dir;

    private static ModelReport model(String label, double shift, double ppl) {
        List<String> seven = List.of("boolq", "piqa", "hellaswag", "winogrande", "arc_easy", "arc_challenge", "openbookqa");
        List<TaskResult> tasks = new java.util.ArrayList<>();
        double sum = 0;
        for (int i = 0; i < seven.size(); i++) {
            double v = 0.5 + 0.03 * i - shift;
            sum += v;
            tasks.add(new TaskResult(seven.get(i), 100, v, 0.05, v + 0.01, 0.05, null, "acc", v, "fmt"));
        }
        tasks.add(new TaskResult("lambada_openai", 100, 0.3 - shift, 0.04, null, null, 40.0 + ppl, "acc", 0.3 - shift, "fmt"));
        ZeroShotResults zs = new ZeroShotResults(label, tasks, sum / 7, 100);
        return new ModelReport(label, zs, List.of(new PerplexityRow("wikitext2", 128, ppl, 3007, 3007),
                new PerplexityRow("ptb", 128, 2 * ppl, 200, 999)));
    }

    @Test
    void markdownForOneAndTwoModels() {
        String one = MarkdownReport.render(List.of(model("dense", 0, 12.6)));
        assertTrue(one.contains("| boolq | 100 | 50.00 ± 5.00 | 51.00 ± 5.00 | acc | 50.00 |"), one);
        assertTrue(one.contains("**average (7 tasks)**"), one);
        assertTrue(one.contains("| wikitext2 | 128 | all 3007 | 12.60 |"), one);
        assertTrue(one.contains("| ptb | 128 | first 200 of 999 | 25.20 |"), one);
        assertTrue(one.contains("lambada_openai perplexity of the target word: 52.60"), one);
        assertTrue(one.indexOf("| openbookqa |") < one.indexOf("**average")
                && one.indexOf("**average") < one.indexOf("| lambada_openai |"), "LAMBADA comes after the average");

        String two = MarkdownReport.render(List.of(model("dense", 0, 12.6), model("pruned-20%", 0.05, 14.5)));
        assertTrue(two.contains("| dense | pruned-20% | Δ |"), two);
        assertTrue(two.contains("| boolq | acc | 50.00 | 45.00 | -5.00 |"), two);
        assertTrue(two.contains("| wikitext2 | 128 | all 3007 | 12.60 | 14.50 | +15.1% |"), two);
        assertTrue(two.contains("| **average (7 tasks)** |  | **59.00** | **54.00** | -5.00 |\n| lambada_openai |"), two);
        assertTrue(two.contains("lambada_openai perplexity of the target word: 52.60 → 54.50"), two);
    }

    @Test
    void writesMarkdownAndPngCharts() throws IOException {
        Path reportDir = dir.resolve("report");
        List<ModelReport> models = List.of(model("dense", 0, 12.6), model("pruned", 0.05, 14.5));
        Path md = MarkdownReport.write(reportDir, models);
        String text = Files.readString(md);
        assertTrue(text.startsWith("# Evaluation: dense vs pruned"));
        assertReadable(text, reportDir);
        assertTrue(text.contains("![") && text.contains("(" + Charts.ACCURACY_FILE + ")")
                && text.contains("(" + Charts.PERPLEXITY_FILE + ")"), "charts shown in report.md:\n" + text);
        assertTrue(text.matches("(?s).*Written \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC by Lopper \\S+ \\(git commit \\S+\\)\\..*"), text);

        List<Path> pngs = Charts.write(reportDir, models);
        assertEquals(List.of(reportDir.resolve(Charts.ACCURACY_FILE), reportDir.resolve(Charts.PERPLEXITY_FILE)), pngs);
        for (Path png : pngs) {
            byte[] bytes = Files.readAllBytes(png);
            assertTrue(bytes.length > 1000, png + " is too small");
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8), png + " has no PNG header");
        }
        List<Path> single = Charts.write(dir.resolve("single"), List.of(model("dense", 0, 12.6)));
        assertEquals(2, single.size());
        Path one = MarkdownReport.write(dir.resolve("one"), List.of(model("dense", 0, 12.6)));
        assertReadable(Files.readString(one), dir.resolve("one"));
        // Only perplexity, or only zero-shot: no empty section, no chart link without its file.
        ModelReport pplOnly = new ModelReport("a", null, model("a", 0, 10).perplexity());
        ModelReport zsOnly = new ModelReport("b", model("b", 0, 10).zeroShot(), List.of());
        for (List<ModelReport> ms : List.of(List.of(pplOnly), List.of(zsOnly), List.of(pplOnly, new ModelReport("c", null, pplOnly.perplexity())))) {
            Path d = Files.createTempDirectory(dir, "r");
            assertReadable(Files.readString(MarkdownReport.write(d, ms)), d);
        }
    }

    @Test
    void zeroShotChartHasAChanceLineAndLegendsOutsideThePlot() {
        List<ModelReport> models = List.of(model("dense", 0, 12.6), model("pruned", 0.05, 14.5));
        org.knowm.xchart.CategoryChart chart = Charts.accuracyChart(models);
        var chance = chart.getSeriesMap().get("chance");
        assertTrue(chance != null, "chance series");
        List<Double> y = new java.util.ArrayList<>();
        chance.getYData().forEach(v -> y.add(v.doubleValue()));
        // boolq piqa hellaswag winogrande arc_easy arc_challenge openbookqa, average, lambada
        assertEquals(List.of(50.0, 50.0, 25.0, 50.0, 25.0, 25.0, 25.0, 250.0 / 7, 0.0), y);
        assertEquals(List.of("dense", "chance", "pruned"), List.copyOf(chart.getSeriesMap().keySet()),
                "chance in the middle slot, centred on each task");
        for (org.knowm.xchart.CategoryChart c : List.of(chart, Charts.perplexityChart(models)))
            assertTrue(c.getStyler().getLegendPosition().name().startsWith("Outside"), "legend over the bars");
    }

    /**
     * What a reader needs from a report: no heading directly followed by another heading or the
     * end, and every image it shows exists beside it as a PNG.
     */
    public static void assertReadable(String md, Path dir) throws IOException {
        List<String> lines = md.lines().filter(l -> !l.isBlank()).toList();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("#")) continue;
            assertTrue(i + 1 < lines.size(), "the report ends with a heading: " + lines.get(i));
            assertFalse(lines.get(i + 1).startsWith("#"),
                    "empty section: '" + lines.get(i) + "' is followed by '" + lines.get(i + 1) + "'");
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("!\\[[^\\]]*\\]\\(([^)]+)\\)").matcher(md);
        int images = 0;
        while (m.find()) {
            images++;
            Path png = dir.resolve(m.group(1));
            assertTrue(Files.isRegularFile(png), "report shows " + m.group(1) + ", which does not exist");
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(png), 8), png + " is not a PNG");
        }
        assertTrue(images > 0, "a report without charts:\n" + md);
    }
}
