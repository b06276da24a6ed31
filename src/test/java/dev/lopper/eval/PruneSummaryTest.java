package dev.lopper.eval;

import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.TestModels;
import dev.lopper.io.PruningRecord;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One renderer of a prune for people: the console, the demo report's section and the model card say the same. */
class PruneSummaryTest {
    static final ModelConfig DENSE = TestModels.uneven(1, false, false, DType.F32).config();
    static final ModelConfig PRUNED = DENSE.withLayers(List.of(new LayerShape(2, 1, 4, 8), new LayerShape(2, 1, 4, 7)));

    static PruningRecord record(int roundTo) {
        return new PruningRecord("9.9", new PruningRecord.Inputs("models/m", List.of(), null),
                new PruningRecord.Options("wanda-sp", "uniform", 0.25, "both", 0, 1, false, false, 7, 4, 16, roundTo),
                List.of(), new PruningRecord.Parameters(1000, 750, 0.25),
                new PruningRecord.Run("2026-01-01T00:00:00Z", 1.25, 2_000_000, "test"));
    }

    @Test
    void theSettingsPhraseIsTheSameEverywhere() {
        PruneSummary s = new PruneSummary("custom", record(8), DENSE, PRUNED, "the preset's range", "calib.txt", null);
        String phrase = "criterion wanda-sp, allocation uniform, layers [0, 1) (the preset's range), modules both, round-to 8";
        assertEquals(phrase, PruneSummary.settings(s.record().options(), s.layersNote(), null));
        String console = s.console();
        assertTrue(console.startsWith("method custom: " + phrase + System.lineSeparator()), console);
        assertTrue(console.contains("calibration: 4 windows of 16 tokens from calib.txt"), console);
        assertTrue(console.contains("   0    4/2  ->  2/1       12 ->     8"), console);
        assertTrue(console.endsWith(String.format("time %.1f s, peak memory 2 MB%n", 1.25)), console);
        String md = s.markdown("data/demo/c4.txt");
        assertTrue(md.startsWith("## Pruning\n\n- method `custom`: " + phrase + "\n"), md);
        assertTrue(md.contains("- calibration: 4 windows of 16 tokens at random offsets (seed 7) in the first 128 tokens of "
                + "`data/demo/c4.txt`"), md);
        assertTrue(md.contains("| 0 | 4 → 2 | 2 → 1 | 12 → 8 |"), md);
        String card = ModelCard.render("m-pruned", PRUNED, record(8));
        assertTrue(card.contains("made by Lopper 9.9: criterion wanda-sp, allocation uniform, layers [0, 1), modules both, "
                + "MLP widths rounded to multiples of 8; 25.00% of all parameters removed"), card);
        // Without rounding none of them mentions it.
        assertTrue(PruneSummary.settings(record(0).options(), "", null).endsWith("modules both"));
        assertTrue(ModelCard.render("m", PRUNED, record(0)).contains("modules both; 25.00%"));
    }
}
