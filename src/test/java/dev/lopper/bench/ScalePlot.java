package dev.lopper.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The scaling plot of bench/scale: wall time and peak RSS of `lopper prune --method llm-pruner
 * --target 0.2` against parameters, from results/scale/*-llm-pruner.json, side by side in one PNG.
 * Usage: {@code ScalePlot RESULTS_DIR OUT_PNG}
 */
public final class ScalePlot {
    private ScalePlot() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]), out = Path.of(args[1]);
        List<double[]> points = new ArrayList<>();      // parameters (B), minutes, peak RSS (GB), model GB, CPU minutes
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("-llm-pruner.json")).sorted().toList()) {
                JsonNode r = json.readTree(f.toFile());
                double params = r.get("lopper").get("record").get("parameters").get("before").asDouble();
                points.add(new double[] {params / 1e9, r.get("wallSeconds").asDouble() / 60,
                        r.get("maxRssBytes").asDouble() / 1e9, params * 2 / 1e9,
                        r.path("cpuSeconds").asDouble(r.get("wallSeconds").asDouble()) / 60});
            }
        }
        points.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] x = column(points, 0);
        XYChart time = chart("Time of prune --method llm-pruner --target 0.2", "minutes");
        time.addSeries("wall", x, column(points, 1));
        time.addSeries("CPU (user + system, 2 cores)", x, column(points, 4));
        XYChart mem = chart("Peak RSS, mapped pages counted (GB)", "GB");
        mem.addSeries("peak RSS", x, column(points, 2));
        mem.addSeries("bf16 model size", x, column(points, 3));
        mem.addSeries("this machine's RAM (24 GB)", new double[] {x[0], x[x.length - 1]}, new double[] {24, 24});
        BufferedImage img = new BufferedImage(1200, 450, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(time), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(mem), 600, 0, null);
        g.dispose();
        Files.createDirectories(out.toAbsolutePath().getParent());
        javax.imageio.ImageIO.write(img, "png", out.toFile());
        System.out.println("wrote " + out + " (" + points.size() + " sizes)");
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(600).height(450).title(title).xAxisTitle("parameters (billions)")
                .yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setXAxisDecimalPattern("0.0");
        return c;
    }

    private static double[] column(List<double[]> rows, int i) {
        double[] v = new double[rows.size()];
        for (int r = 0; r < v.length; r++) v[r] = rows.get(r)[i];
        return v;
    }
}
