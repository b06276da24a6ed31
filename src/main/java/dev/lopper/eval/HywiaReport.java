package dev.lopper.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lopper.pipeline.HywiaOutcome;
import dev.lopper.surgery.PruningRecord;
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
        List<Integer> layers = new ArrayList<>(byLayer.keySet());
        List<String> modules = List.of("attention", "mlp");
        List<Number[]> cells = new ArrayList<>();
        for (int x = 0; x < layers.size(); x++) {
            double[] row = byLayer.get(layers.get(x));
            for (int y = 0; y < 2; y++) if (!Double.isNaN(row[y])) cells.add(new Number[]{x, y, row[y]});
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(500, 90 * layers.size() + 200)).height(360)
                .title("HyWIA alpha_fine per layer and module (" + f.mode() + ", " + f.normalisation()
                        + "-normalised; 1 = fine only, 0 = coarse only)")
                .xAxisTitle("layer").yAxisTitle("module").build();
        chart.getStyler().setPlotContentSize(1);
        chart.getStyler().setShowValue(true);
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
        XYChart chart = new XYChartBuilder().width(800).height(450)
                .title("HyWIA fusion: soft-mask NLL on the fusion windows (hard-mask NLL "
                        + String.format("%.4f -> %.4f", f.hardLossBefore(), f.hardLossAfter()) + ")")
                .xAxisTitle("step").yAxisTitle("mean NLL (nats)").build();
        XYSeries s = chart.addSeries("soft-mask NLL", steps, loss);
        s.setMarker(SeriesMarkers.CIRCLE);
        double t0 = f.startTemperature(), t1 = f.endTemperature();
        chart.getStyler().setLegendVisible(true);
        chart.setTitle(chart.getTitle() + String.format(", T %.3g -> %.3g", t0, t1));
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
