package dev.lopper.recovery.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** loss.json (every step's training objective, every held-out evaluation) and loss.png (XChart) of a LoRA run. */
public final class LossCurve {
    public static final String JSON_FILE = "loss.json", PNG_FILE = "loss.png";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LossCurve() {}

    public static void writeInto(Path dir, List<LoraTrainer.Point> steps, List<LoraTrainer.EvalPoint> evals)
            throws IOException {
        Files.writeString(dir.resolve(JSON_FILE), JSON.writeValueAsString(Map.of("train", steps, "heldout", evals)) + "\n");
        XYChart chart = new XYChartBuilder().width(800).height(500).title("LoRA recovery")
                .xAxisTitle("optimizer step").yAxisTitle("loss (nats per token)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(5);
        if (!steps.isEmpty()) {
            XYSeries train = chart.addSeries("training objective", steps.stream().map(p -> (double) p.step()).toList(),
                    steps.stream().map(LoraTrainer.Point::loss).toList());
            train.setMarker(SeriesMarkers.NONE);
        }
        if (!evals.isEmpty()) {
            chart.addSeries("held-out NLL", evals.stream().map(p -> (double) p.step()).toList(),
                    evals.stream().map(LoraTrainer.EvalPoint::meanNll).toList());
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(PNG_FILE))) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
