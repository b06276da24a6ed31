package dev.lopper.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.eval.HywiaOutcome;
import dev.lopper.io.PruningRecord;
import dev.lopper.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * HyWIA's report folder: {@code alpha.json} (α per layer and module, the fusion settings, and per
 * layer the groups the fused ranking keeps that fine-only or coarse-only would remove),
 * {@code alpha.png} (heat map of α_fine, layers × modules) and, when the blend was learned,
 * {@code learning-curve.png} (soft-mask calibration NLL and temperature per step).
 */
public final class HywiaReport {
    public static final String JSON = "alpha.json";
    public static final String HEAT_MAP = "alpha.png";
    public static final String CURVE = "learning-curve.png";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private HywiaReport() {}

    /** What alpha.json holds. */
    public record Content(PruningRecord.Fusion fusion, List<HywiaOutcome.LayerDifference> keptOverAblations) {}

    public static void write(Path dir, HywiaOutcome outcome, PruningRecord.Fusion fusion) {
        Content c = new Content(fusion, outcome.differences());
        AtomicFiles.write(dir.resolve(JSON), out -> MAPPER.writeValue(out, c));
        save(heatMap(fusion), dir.resolve(HEAT_MAP));
        if (fusion.loss() != null) save(curve(fusion), dir.resolve(CURVE));
    }

    static HeatMapChart heatMap(PruningRecord.Fusion f) {
        Map<Integer, double[]> byLayer = new TreeMap<>();
        for (PruningRecord.Alpha a : f.alpha()) {
            double[] row = byLayer.computeIfAbsent(a.layer(), k -> new double[]{Double.NaN, Double.NaN});
            row["attention".equals(a.module()) ? 0 : 1] = a.fine();
        }
        List<Integer> layerNumbers = new ArrayList<>(byLayer.keySet());
        List<String> layers = layerNumbers.stream().map(String::valueOf).toList();
        List<String> modules = List.of("attention", "mlp");
        List<Number[]> cells = new ArrayList<>();
        for (int x = 0; x < layers.size(); x++) {
            double[] row = byLayer.get(layerNumbers.get(x));
            for (int y = 0; y < 2; y++)
                if (!Double.isNaN(row[y])) cells.add(new Number[]{x, y, Math.round(row[y] * 100) / 100.0});
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(500, 90 * layers.size() + 200)).height(360)
                .title("HyWIA alpha_fine (1 = fine only, 0 = coarse only); " + f.mode() + ", "
                        + f.normalisation() + "-normalised")
                .xAxisTitle("layer").yAxisTitle("module").build();
        chart.getStyler().setPlotContentSize(1);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setDecimalPattern("0.00");
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(1);
        chart.getStyler().setRangeColors(new Color[]{new Color(49, 54, 149), new Color(255, 255, 191),
                new Color(165, 0, 38)});
        chart.addSeries("alpha_fine", layers, modules, cells);
        return chart;
    }

    static XYChart curve(PruningRecord.Fusion f) {
        double[] loss = f.loss();
        double[] steps = IntStream.rangeClosed(1, loss.length).asDoubleStream().toArray();
        XYChart chart = new XYChartBuilder().width(900).height(450)
                .title(String.format("HyWIA fusion: NLL on the fusion windows (kept: step %d, hard-mask %.4f)",
                        f.bestStep(), f.hardLossAfter()))
                .xAxisTitle("step").yAxisTitle("mean NLL (nats)").build();
        XYSeries s = chart.addSeries("soft masks (what is minimised)", steps, loss);
        s.setMarker(SeriesMarkers.CIRCLE);
        double[] checkSteps = java.util.Arrays.stream(f.hardLossStep()).asDoubleStream().toArray();
        XYSeries h = chart.addSeries("hard masks (groups really removed)", checkSteps, f.hardLoss());
        h.setMarker(SeriesMarkers.DIAMOND);
        double[] temperature = new double[loss.length];
        for (int k = 0; k < loss.length; k++)
            temperature[k] = f.startTemperature() * Math.pow(f.endTemperature() / f.startTemperature(),
                    loss.length <= 1 ? 1 : (double) k / (loss.length - 1));
        XYSeries t = chart.addSeries("temperature T", steps, temperature);
        t.setYAxisGroup(1);
        t.setMarker(SeriesMarkers.NONE);
        chart.setYAxisGroupTitle(1, "temperature");
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        return chart;
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
        AtomicFiles.write(file, out -> {
            try {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
