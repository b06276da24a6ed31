package dev.lopper.allocation.search;

import dev.lopper.importance.ScoringContext;
import dev.lopper.model.CausalLM;
import dev.lopper.model.Pass;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Selection;
import dev.lopper.allocation.Target;
import dev.lopper.calib.CalibrationData;
import dev.lopper.importance.Criteria;
import dev.lopper.importance.Scores;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Transformer;
import dev.lopper.surgery.Surgery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Masked fitness against the pruned model built by surgery, and KL against a plain full-vocabulary loop. */
class MaskedFitnessTest {
    static final Path MODEL = Path.of("models/tiny-llama-gqa-8m");
    static LlamaModel dense;
    static Scores scores;
    static CalibrationData data;
    static SearchSpace space;

    @BeforeAll
    static void load() throws Exception {
        load0();
    }

    static synchronized void load0() {
        if (dense != null) return;
        dense = Checkpoints.load(MODEL);
        scores = Criteria.create("l2").score(ScoringContext.of(dense, dev.lopper.calib.Statistics.NONE));
        try (Tokenizer tok = Tokenizers.forModel(MODEL, null)) {
            int[] ids = tok.encode(Files.readString(Path.of("README.md")), true);
            data = CalibrationData.consecutive(ids, 3, 24);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        space = new SearchSpace(dense.config(), Target.of(0.3, dense.config()), 0, 0.8);
    }

    static RemovalCounts someCounts() {
        double[] r = new double[dense.config().numLayers()];
        for (int l = 0; l < r.length; l++) r[l] = 0.1 + 0.08 * l;
        return space.repair(r).candidate().counts();
    }

    @Test
    void pplByMaskingEqualsThePrunedModels() {
        RemovalCounts counts = someCounts();
        LlamaModel pruned = Surgery.apply(dense, Selection.select(scores, counts));
        Transformer t = new Transformer(pruned);
        double nll = 0;
        long n = 0;
        for (int w = 0; w < data.windows(); w++) {
            CausalLM.Loss l = t.loss(data.window(w), 1, data.length(), Pass.plain());
            nll += l.sumNll();
            n += l.predicted();
        }
        double expected = Math.exp(nll / n);
        try (MaskedFitness f = new MaskedFitness(dense, scores, data, MaskedFitness.Kind.PPL, 1, 2, 1)) {
            assertEquals(expected, f.evaluate(counts, 3), 1e-4 * expected);
            assertTrue(f.evaluate(counts, 3) > f.evaluate(new RemovalCounts(new int[8], new int[8]), 3),
                    "pruning raises perplexity");
        }
    }

    /** KL(P‖Q) per position over the full vocabulary, in double, written here from the logits. */
    static double fullKl(float[] p, float[] q, int rows, int vocab) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double mp = Double.NEGATIVE_INFINITY, mq = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                mp = Math.max(mp, p[r * vocab + j]);
                mq = Math.max(mq, q[r * vocab + j]);
            }
            double zp = 0, zq = 0;
            for (int j = 0; j < vocab; j++) {
                zp += Math.exp(p[r * vocab + j] - mp);
                zq += Math.exp(q[r * vocab + j] - mq);
            }
            double kl = 0;
            for (int j = 0; j < vocab; j++) {
                double lp = p[r * vocab + j] - mp - Math.log(zp), lq = q[r * vocab + j] - mq - Math.log(zq);
                kl += Math.exp(lp) * (lp - lq);
            }
            sum += kl;
        }
        return sum / rows;
    }

    @Test
    void klWithTheWholeVocabularyEqualsAPlainLoopAndTopKIsALowerBound() {
        RemovalCounts counts = someCounts();
        LlamaModel pruned = Surgery.apply(dense, Selection.select(scores, counts));
        int vocab = dense.config().vocabSize(), len = data.length();
        int[] tokens = data.batch(0, 2);
        float[] p = new Transformer(dense).logits(tokens, 2, len, Pass.plain());
        float[] q = new Transformer(pruned).logits(tokens, 2, len, Pass.plain());
        double expected = fullKl(p, q, 2 * len, vocab);
        assertTrue(expected > 0.01, "pruning changes the distribution: " + expected);
        try (MaskedFitness full = new MaskedFitness(dense, scores, data, MaskedFitness.Kind.KL, vocab, 1, 1);
             MaskedFitness top = new MaskedFitness(dense, scores, data, MaskedFitness.Kind.KL, 16, 1, 1)) {
            double got = full.evaluate(counts, 2);
            assertEquals(expected, got, 1e-4 * expected);
            double bounded = top.evaluate(counts, 2);
            assertTrue(bounded <= got + 1e-9 && bounded > 0.2 * got, bounded + " vs " + got);
            RemovalCounts none = new RemovalCounts(new int[8], new int[8]);
            assertEquals(0.0, full.evaluate(none, 2), 1e-6, "the dense model against itself");
        }
    }

    @Test
    void parallelEvaluationGivesTheSameBits() {
        List<RemovalCounts> list = List.of(someCounts(), space.uniform().counts(),
                new RemovalCounts(new int[8], new int[8]));
        try (MaskedFitness one = new MaskedFitness(dense, scores, data, MaskedFitness.Kind.KL, 64, 2, 1);
             MaskedFitness two = new MaskedFitness(dense, scores, data, MaskedFitness.Kind.KL, 64, 2, 2)) {
            assertArrayEquals(one.evaluateAll(list, 3), two.evaluateAll(list, 3));
        }
    }
}
