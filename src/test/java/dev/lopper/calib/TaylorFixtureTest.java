package dev.lopper.calib;

import dev.lopper.model.GroupKind;
import dev.lopper.model.Pass;
import dev.lopper.SharedData;
import dev.lopper.calib.GroupMembers.Member;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Transformer;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two of Lopper's code paths agree on a real trained model: with LLM-Pruner's calibration (10
 * windows of 64 tokens of C4), the per-group Taylor scores that TaylorStats reduces during
 * backward equal plain sums of w·g over each group, with g from a sink that keeps every gradient.
 * Both use Lopper's backward (checked against finite differences in GradientCheckTest); this is
 * not a comparison with LLM-Pruner's implementation.
 */
class TaylorFixtureTest {
    @Test
    void taylorScoresOfTheFixtureEqualPlainSumsOfWTimesG() {
        Path modelDir = Path.of("models/tiny-llama-gqa-8m");
        Path c4 = SharedData.require("eval/c4/c4_sample.jsonl");
        LlamaModel m = Checkpoints.load(modelDir);
        CalibrationData data;
        try (Tokenizer tok = Tokenizers.forModel(modelDir, null)) {
            String text = TextCorpus.resolve(c4.toString(), null).text();
            data = CalibrationData.random(CalibrationTokens.encode(tok, text, 2 * 10 * 64), 10, 64, 0);
        }
        Transformer t = new Transformer(m);
        TaylorStatsTest.Keep keep = new TaylorStatsTest.Keep();
        t.backward(data.batch(0, 10), 10, 64, Pass.plain(), keep);
        TaylorStats stats = TaylorStats.collect(t, data, TaylorStats.Options.all(m.config()), ProgressListener.NONE);

        int checked = 0;
        for (int l = 0; l < m.config().numLayers(); l++) {
            for (GroupKind k : GroupKind.values()) {
                double[] element = stats.element(l, k), vector = stats.vector(l, k);
                for (int g = 0; g < element.length; g++) {
                    double abs = 0, signed = 0;
                    for (Member x : TaylorStatsTest.members(m, l, k, g)) {
                        double s = GroupMembers.weight(m, l, x) * keep.g(l, x);
                        abs += Math.abs(s);
                        signed += s;
                    }
                    TaylorStatsTest.assertRel(abs, element[g], 1e-5, "layer " + l + " " + k + " " + g + " element");
                    assertEquals(Math.abs(signed), vector[g], 1e-5 * abs, "layer " + l + " " + k + " " + g + " vector");
                    checked++;
                }
            }
        }
        assertEquals(8 * (4 + 768), checked);
    }
}
