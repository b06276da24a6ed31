package dev.lopper.allocation.search;

import dev.lopper.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The search's two pictures: the best-so-far fitness curve and the per-layer rates of the best vs the baselines. */
public final class SearchCharts {
    private static final int WIDTH = 900, HEIGHT = 500;

    private SearchCharts() {}

    /** Best fitness so far against the number of fitness evaluations (full-window ones). */
    public static void curve(Path file, List<double[]> curve, String fitness, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("fitness evaluations").yAxisTitle("best " + fitness + " so far (lower is better)").build();
        chart.getStyler().setLegendVisible(false);
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        for (double[] p : curve) {
            x.add(p[0]);
            y.add(p[1]);
        }
        if (x.isEmpty()) {
            x.add(0.0);
            y.add(0.0);
        }
        XYSeries s = chart.addSeries("best", x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        save(chart, file);
    }

    /** Per-layer rates: one line per named profile (best, uniform, OWL ...). */
    public static void rates(Path file, Map<String, double[]> profiles, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("layer").yAxisTitle("pruning rate").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        for (Map.Entry<String, double[]> e : new LinkedHashMap<>(profiles).entrySet()) {
            double[] r = e.getValue();
            double[] x = new double[r.length];
            for (int l = 0; l < r.length; l++) x[l] = l;
            XYSeries s = chart.addSeries(e.getKey(), x, r);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, file);
    }

    private static void save(XYChart chart, Path file) {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
