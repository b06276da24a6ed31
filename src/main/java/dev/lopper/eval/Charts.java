package dev.lopper.eval;

import dev.lopper.data.Tasks;
import dev.lopper.util.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
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
        CategoryChart chart = newChart("Zero-shot accuracy (table metric)", "task", "accuracy (%)");
        for (ModelReport m : models) {
            List<Double> values = new ArrayList<>();
            for (String category : categories) {
                values.add(100 * (category.equals(AVERAGE) ? m.zeroShot().averageOfSeven()
                        : m.zeroShot().find(category).orElseThrow().tableValue()));
            }
            chart.addSeries(m.label(), categories, values);
        }
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        return chart;
    }

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
        return chart;
    }

    /** A grouped bar chart: one series per entry of {@code series}, one bar per category. */
    public static Path bars(Path file, String title, String yTitle, List<String> categories,
                            java.util.Map<String, List<Double>> series) {
        CategoryChart chart = newChart(title, "", yTitle);
        series.forEach((name, values) -> chart.addSeries(name, categories, values));
        chart.getStyler().setYAxisMin(0.0);
        return save(chart, file);
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
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setXAxisLabelRotation(30);
        return chart;
    }

    private static Path save(CategoryChart chart, Path file) {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return file;
    }
}
