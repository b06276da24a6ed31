package dev.lopper.eval;

import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.model.GroupKind;
import dev.lopper.importance.Scores;
import dev.lopper.importance.hywia.FusionOptions;
import dev.lopper.importance.hywia.HybridScores;
import dev.lopper.importance.hywia.HywiaCriterion;
import dev.lopper.surgery.KeepPlan;
import dev.lopper.io.PruningRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What HyWIA decided in one run, for pruning.json and the report: α per (layer, module), the
 * learning run, and per layer how many groups the fused ranking keeps that the fine-only or the
 * coarse-only ranking (same budget) would have removed.
 *
 * @param scores      the fused scores selection used
 * @param differences one row per pruned layer
 */
public record HywiaOutcome(Scores scores, HywiaCriterion.Fusion fusion, List<LayerDifference> differences) {

    /**
     * Groups kept by the fused ranking that fine-only (α = 1) or coarse-only (α = 0) would have
     * removed, in one layer, attention groups and MLP channels together.
     */
    public record LayerDifference(int layer, int keptOverFineAttention, int keptOverFineMlp,
                                  int keptOverCoarseAttention, int keptOverCoarseMlp) {}

    /** HyWIA's account of a run whose final scores are {@code scores}; null when they are not HyWIA's. */
    public static HywiaOutcome of(Scores scores, RemovalCounts counts) {
        if (!(scores.detail() instanceof HywiaCriterion.Fusion f)) return null;
        HybridScores h = f.hybrid();
        int n = h.units().size();
        double[] ones = new double[n], zeros = new double[n];
        Arrays.fill(ones, 1);
        KeepPlan fused = Selection.select(scores, counts);
        KeepPlan fine = Selection.select(h.fused("fine", ones), counts);
        KeepPlan coarse = Selection.select(h.fused("coarse", zeros), counts);
        List<LayerDifference> rows = new ArrayList<>();
        for (int l = 0; l < counts.layers(); l++) {
            if (counts.attention()[l] == 0 && counts.mlp()[l] == 0) continue;
            rows.add(new LayerDifference(l,
                    keptNotIn(fused.keptKvHeads()[l], fine.keptKvHeads()[l]),
                    keptNotIn(fused.keptChannels()[l], fine.keptChannels()[l]),
                    keptNotIn(fused.keptKvHeads()[l], coarse.keptKvHeads()[l]),
                    keptNotIn(fused.keptChannels()[l], coarse.keptChannels()[l])));
        }
        return new HywiaOutcome(scores, f, rows);
    }

    /** How many of {@code a} (ascending) are not in {@code b} (ascending). */
    private static int keptNotIn(int[] a, int[] b) {
        int count = 0;
        for (int x : a) if (Arrays.binarySearch(b, x) < 0) count++;
        return count;
    }

    /** α of every scored (layer, module). */
    public List<PruningRecord.Alpha> alpha() {
        List<PruningRecord.Alpha> out = new ArrayList<>();
        List<HybridScores.Unit> units = fusion.hybrid().units();
        for (int u = 0; u < units.size(); u++) {
            HybridScores.Unit unit = units.get(u);
            double a = fusion.alphaFine()[u];
            out.add(new PruningRecord.Alpha(unit.layer(), unit.kind() == GroupKind.ATTENTION ? "attention" : "mlp",
                    a, 1 - a));
        }
        return out;
    }

    /** The fusion as pruning.json records it. */
    public PruningRecord.Fusion record() {
        FusionOptions o = fusion.options();
        var learning = fusion.learning();
        boolean learned = learning != null;
        return new PruningRecord.Fusion(o.modeName(), o.normalisation().name().toLowerCase(), learned ? o.steps() : 0,
                o.learningRate(), learned ? o.samples() : 0, learned ? o.length() : 0, o.startTemperature(),
                o.endTemperature(), fusion.windowOffsets(), learned ? learning.fusion().queryMatrix() : null,
                learned ? learning.fusion().keyMatrix() : null, alpha(), learned ? learning.loss() : null,
                learned ? learning.hardLossStep() : null, learned ? learning.hardLoss() : null,
                learned ? learning.bestStep() : null);
    }
}
