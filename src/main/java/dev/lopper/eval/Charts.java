package dev.lopper.eval;

import dev.lopper.data.Tasks;
import dev.lopper.util.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG bar charts (XChart, headless): per-task accuracy and perplexity, one series per model,
 * so two models appear side by side. Only categories every model has are drawn.
 */
public final class Charts {
    public static final String ACCURACY_FILE = "zero-shot.png";
    public static final String PERPLEXITY_FILE = "perplexity.png";
    private static final String AVERAGE = "average (7)";
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    static {
        // Charts are drawn off-screen; without this AWT may look for a display on servers.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    /** Writes the charts that have data into {@code reportDir}; returns the files written. */
    public static List<Path> write(Path reportDir, List<ModelReport> models) {
        List<Path> written = new ArrayList<>();
        CategoryChart accuracy = accuracyChart(models);
        if (accuracy != null) written.add(save(accuracy, reportDir.resolve(ACCURACY_FILE)));
        CategoryChart perplexity = perplexityChart(models);
        if (perplexity != null) written.add(save(perplexity, reportDir.resolve(PERPLEXITY_FILE)));
        return written;
    }

    /** Table metric per task in percent, plus the 7-task average when every model has it; null without data. */
    static CategoryChart accuracyChart(List<ModelReport> models) {
        List<String> tasks = commonTasks(models);
        if (tasks.isEmpty()) return null;
        boolean withAverage = models.stream().allMatch(m -> m.zeroShot() != null && m.zeroShot().averageOfSeven() != null);
        // Standard seven first, then their average, then extras (LAMBADA) that the average leaves out.
        List<String> categories = new ArrayList<>();
        for (String task : tasks) if (Tasks.find(task).map(Tasks::isStandardSeven).orElse(false)) categories.add(task);
        if (withAverage) categories.add(AVERAGE);
        for (String task : tasks) if (!categories.contains(task)) categories.add(task);
        CategoryChart chart = newChart("Zero-shot accuracy (table metric); black line: chance (1 / number of choices)",
                "task", "accuracy (%)");
        List<Double> chance = new ArrayList<>();
        for (String category : categories) {
            chance.add(category.equals(AVERAGE) ? 100 * Tasks.STANDARD_SEVEN.stream()
                    .mapToDouble(t -> CHANCE.get(t.name())).average().orElseThrow()
                    : CHANCE.containsKey(category) ? 100 * CHANCE.get(category) : null);
        }
        boolean withChance = !chance.contains(null);
        // The chance series sits in the middle slot of each task's group (an empty slot evens out an odd
        // number of models), so its line is centred on the task and crosses all its bars.
        int half = (models.size() + 1) / 2;
        Color[] palette = chart.getStyler().getSeriesColors();
        for (int i = 0; i < models.size(); i++) {
            if (withChance && i == half) addChance(chart, categories, chance);
            ModelReport m = models.get(i);
            List<Double> values = new ArrayList<>();
            for (String category : categories) {
                values.add(100 * (category.equals(AVERAGE) ? m.zeroShot().averageOfSeven()
                        : m.zeroShot().find(category).orElseThrow().tableValue()));
            }
            chart.addSeries(m.label(), categories, values).setFillColor(palette[i % palette.length]);
        }
        if (withChance && models.size() == half) addChance(chart, categories, chance);
        if (withChance && models.size() % 2 == 1) {
            chart.addSeries(" ", categories, java.util.Collections.nCopies(categories.size(), 0.0)).setShowInLegend(false);
        }
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        return chart;
    }

    private static void addChance(CategoryChart chart, List<String> categories, List<Double> chance) {
        CategorySeries line = chart.addSeries("chance", categories, chance);
        line.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        line.setMarker(new Dash(0.85 * (WIDTH - 110) / categories.size()));
        line.setMarkerColor(Color.BLACK);
        line.setShowInLegend(false);
    }

    /**
     * Accuracy of guessing per task: 1 / number of choices (ARC-Easy has a few items with 3 or 5
     * choices; 4 is the rule); LAMBADA predicts a word from the whole vocabulary, chance ≈ 0.
     */
    static final java.util.Map<String, Double> CHANCE = java.util.Map.of("boolq", 0.5, "piqa", 0.5,
            "winogrande", 0.5, "hellaswag", 0.25, "arc_easy", 0.25, "arc_challenge", 0.25, "openbookqa", 0.25,
            "lambada_openai", 0.0);

    static CategoryChart perplexityChart(List<ModelReport> models) {
        List<String> keys = new ArrayList<>();
        for (PerplexityRow p : models.getFirst().perplexity()) {
            String key = p.dataset() + " @" + p.seqLen();
            boolean everywhere = models.stream().allMatch(m -> m.perplexity().stream()
                    .anyMatch(q -> q.dataset().equals(p.dataset()) && q.seqLen() == p.seqLen()));
            if (everywhere && !keys.contains(key)) keys.add(key);
        }
        if (keys.isEmpty()) return null;
        CategoryChart chart = newChart("Perplexity (lower is better)", "dataset @ seq", "perplexity");
        for (ModelReport m : models) {
            List<Double> values = new ArrayList<>();
            for (String key : keys) {
                values.add(m.perplexity().stream().filter(q -> (q.dataset() + " @" + q.seqLen()).equals(key))
                        .findFirst().orElseThrow().perplexity());
            }
            chart.addSeries(m.label(), keys, values);
        }
        // Each bar carries its value: perplexities of dense and pruned differ by more than a bar shows.
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsPosition(0.9);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(true);
        chart.getStyler().setDecimalPattern("#,##0.#");
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        return chart;
    }

    /**
     * Speed of each model in four panels (prefill, decode, time to first token, forward+backward),
     * each on its own scale: a bar per model at the median of the runs, a whisker from the
     * slowest to the fastest run.
     */
    public static Path speed(Path file, List<SpeedBench.ModelSpeed> models) {
        List<String> labels = models.stream().map(SpeedBench.ModelSpeed::label).toList();
        List<CategoryChart> panels = List.of(
                speedPanel("Prefill (higher is faster)", "tokens / s", labels,
                        models.stream().map(SpeedBench.ModelSpeed::prefillTokensPerSecond).toList()),
                speedPanel("Decode (higher is faster)", "tokens / s", labels,
                        models.stream().map(SpeedBench.ModelSpeed::decodeTokensPerSecond).toList()),
                speedPanel("Time to first token (lower is faster)", "ms", labels,
                        models.stream().map(SpeedBench.ModelSpeed::timeToFirstTokenMs).toList()),
                speedPanel("Forward + backward (higher is faster)", "tokens / s", labels,
                        models.stream().map(SpeedBench.ModelSpeed::backwardTokensPerSecond).toList()));
        int w = 480, h = 330;
        BufferedImage grid = new BufferedImage(2 * w, 2 * h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        for (int i = 0; i < panels.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), (i % 2) * w, (i / 2) * h, null);
        }
        g.dispose();
        AtomicFiles.write(file, out -> ImageIO.write(grid, "png", out));
        return file;
    }

    private static CategoryChart speedPanel(String title, String yTitle, List<String> labels, List<SpeedBench.Stat> stats) {
        CategoryChart chart = new CategoryChartBuilder().width(480).height(330).title(title).yAxisTitle(yTitle)
                .xAxisTitle("bar: median of " + stats.getFirst().runs().length + " runs; whisker: slowest to fastest").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setErrorBarsColor(Color.BLACK);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setAvailableSpaceFill(0.5);
        chart.addSeries("median", labels, stats.stream().map(SpeedBench.Stat::median).toList());
        CategorySeries range = chart.addSeries("min–max", labels,
                stats.stream().map(s -> (s.min() + s.max()) / 2).toList(),
                stats.stream().map(s -> (s.max() - s.min()) / 2).toList());
        range.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        range.setMarker(SeriesMarkers.NONE);
        chart.getStyler().setYAxisMax(1.15 * stats.stream().mapToDouble(SpeedBench.Stat::max).max().orElse(1));
        return chart;
    }

    /** A marker that is a horizontal line {@code width} pixels wide: a level across a category's bars. */
    private static final class Dash extends org.knowm.xchart.style.markers.Marker {
        private final double width;

        Dash(double width) {
            this.width = width;
        }

        @Override
        public void paint(Graphics2D g, double x, double y, int size) {
            g.setStroke(new java.awt.BasicStroke(3f));
            g.draw(new java.awt.geom.Line2D.Double(x - width / 2, y, x + width / 2, y));
        }
    }

    private static List<String> commonTasks(List<ModelReport> models) {
        List<String> tasks = new ArrayList<>();
        for (TaskResult t : models.getFirst().tasks()) {
            if (models.stream().allMatch(m -> m.zeroShot() != null && m.zeroShot().find(t.task()).isPresent())) {
                tasks.add(t.task());
            }
        }
        return tasks;
    }

    private static CategoryChart newChart(String title, String xTitle, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        // Below the plot, so it never covers a bar.
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setXAxisLabelRotation(30);
        return chart;
    }

    private static Path save(CategoryChart chart, Path file) {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return file;
    }
}
