package dev.lopper.eval;

import dev.lopper.allocation.WidthRounding;
import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.io.PruningRecord;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one prune did, rendered for people: the console summary (lopper prune, search and demo
 * print it), the "Pruning" section of the demo's report, and the phrase the model card shares with
 * both ({@link #settings}). Everything comes from the run's {@link PruningRecord} and a few facts
 * the record does not hold.
 *
 * @param method      the preset's name ({@code --method})
 * @param layersNote  why the layer range is what it is ("" when the user gave it)
 * @param calibration the calibration text's file or name
 * @param rounding    the MLP widths' rounding, null without --round-to
 */
public record PruneSummary(String method, PruningRecord record, ModelConfig dense, ModelConfig pruned,
                           String layersNote, String calibration, WidthRounding.Rounded rounding) {

    /**
     * "criterion C, allocation A, layers [s, e) (note), modules M, round-to N": what was pruned how.
     * {@code roundTo} words the rounding (null: ", round-to N").
     */
    public static String settings(PruningRecord.Options o, String layersNote, String roundTo) {
        return String.format(Locale.ROOT, "criterion %s, allocation %s, layers [%d, %d)%s, modules %s%s", o.criterion(),
                o.allocation(), o.layerStart(), o.layerEnd(), layersNote.isEmpty() ? "" : " (" + layersNote + ")",
                o.modules(), o.roundTo() <= 0 ? "" : roundTo != null ? roundTo + o.roundTo() : ", round-to " + o.roundTo());
    }

    /** The console summary: settings, calibration, parameters, rounding, per-layer shapes, HyWIA's fusion, time and memory. */
    public String console() {
        StringBuilder out = new StringBuilder();
        PruningRecord.Parameters p = record.parameters();
        PruningRecord.Options o = record.options();
        out.append(String.format("method %s: %s%n", method, settings(o, layersNote, null)));
        if (o.calibrationSamples() > 0)
            out.append(String.format("calibration: %d windows of %d tokens from %s%n", o.calibrationSamples(),
                    o.calibrationLength(), calibration));
        out.append(String.format("parameters %,d -> %,d: %.2f%% of all parameters removed (target %.2f%%)%n", p.before(),
                p.after(), 100 * p.fractionRemoved(), 100 * o.target()));
        if (rounding != null) {
            out.append(String.format("MLP widths rounded to multiples of %d: %.2f%% removed instead of %.2f%% as allocated (%+.2f points)%n",
                    rounding.multiple(), 100 * rounding.roundedFraction(), 100 * rounding.allocatedFraction(),
                    100 * (rounding.roundedFraction() - rounding.allocatedFraction())));
            if (!rounding.layersNotMultiple().isEmpty())
                out.append(String.format("  layers outside the pruned range keep widths that are not multiples of %d: %s%n",
                        rounding.multiple(), rounding.layersNotMultiple()));
        }
        out.append(String.format("layer  heads/kv  mlp_width%n"));
        for (int l = 0; l < pruned.numLayers(); l++) {
            LayerShape a = dense.layer(l), b = pruned.layer(l);
            out.append(String.format("  %2d   %2d/%-2d -> %2d/%-2d   %5d -> %5d%n", l, a.heads(), a.kvHeads(), b.heads(),
                    b.kvHeads(), a.intermediate(), b.intermediate()));
        }
        if (record.fusion() != null) fusion(out, record.fusion());
        out.append(String.format("time %.1f s, peak memory %.0f MB%n", record.run().seconds(),
                record.run().peakMemoryBytes() / 1e6));
        return out.toString();
    }

    private static void fusion(StringBuilder out, PruningRecord.Fusion f) {
        out.append(String.format("hywia fusion %s, %s-normalised", f.mode(), f.normalisation()));
        if (f.loss() != null) {
            out.append(String.format(", %d Adam steps%n", f.steps()));
            // The soft loss is not the criterion: its masks sharpen as the temperature falls, so it rises
            // towards the hard cut's loss. The hard-mask check on the fusion windows decides which step is kept.
            out.append(String.format("  soft-mask loss %.4f at the first step -> %.4f at the last (temperature %.3g -> %.3g: "
                            + "the masks harden, so a rising soft loss is expected; it does not decide)%n", f.loss()[0],
                    f.loss()[f.loss().length - 1], f.startTemperature(), f.endTemperature()));
            out.append(String.format("  hard-mask loss on the fusion windows (the check that decides) %.4f at the start -> "
                    + "%.4f with the parameters of step %d, which are kept", f.hardLossBefore(), f.hardLossAfter(),
                    f.bestStep()));
        }
        out.append(System.lineSeparator());
        out.append("layer  alpha_fine(attention)  alpha_fine(mlp)").append(System.lineSeparator());
        Map<Integer, double[]> byLayer = new TreeMap<>();
        for (PruningRecord.Alpha a : f.alpha()) {
            double[] row = byLayer.computeIfAbsent(a.layer(), k -> new double[]{Double.NaN, Double.NaN});
            row["attention".equals(a.module()) ? 0 : 1] = a.fine();
        }
        // A module left out by --modules has no α: "-" rather than NaN.
        byLayer.forEach((l, row) -> out.append(String.format("  %2d   %8s   %8s%n", l, alphaCell(row[0]), alphaCell(row[1]))));
    }

    private static String alphaCell(double a) {
        return Double.isNaN(a) ? "-" : String.format("%.3f", a);
    }

    /**
     * The report's "## Pruning" section: settings, where the calibration windows came from
     * ({@code calibrationText}, as the report should name it), what loads the folder, and the
     * per-layer shapes.
     */
    public String markdown(String calibrationText) {
        PruningRecord.Options o = record.options();
        StringBuilder md = new StringBuilder("## Pruning\n\n");
        md.append(String.format(Locale.ROOT, "- method `%s`: %s%n", method, settings(o, layersNote, null)));
        if (o.calibrationSamples() > 0)
            md.append(String.format(Locale.ROOT, "- calibration: %d windows of %d tokens at random offsets (seed %d) "
                            + "in the first %,d tokens of `%s`%n", o.calibrationSamples(), o.calibrationLength(), o.seed(),
                    2L * o.calibrationSamples() * o.calibrationLength(), calibrationText));
        md.append("- ").append(ModelCard.loaderLine(pruned)).append("\n\n");
        md.append(ModelCard.shapeTable(dense, pruned));
        return md.toString();
    }
}
