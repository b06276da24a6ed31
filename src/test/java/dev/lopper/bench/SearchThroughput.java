package dev.lopper.bench;

import dev.lopper.importance.ScoringContext;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.Target;
import dev.lopper.allocation.search.MaskedFitness;
import dev.lopper.allocation.search.SearchSpace;
import dev.lopper.calib.CalibrationData;
import dev.lopper.calib.CalibrationTokens;
import dev.lopper.data.TextCorpus;
import dev.lopper.importance.Criteria;
import dev.lopper.importance.Scores;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LlamaModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Search throughput: candidate fitness evaluations per second on the 8M fixture (masked dense
 * model), ppl and kl, one candidate at a time (--jobs 1, each forward on both cores) against two
 * candidates at once (--jobs 2, each forward on one core), interleaved in this one process.
 * Usage: bench/search-throughput [ROUNDS] [WINDOWS] [LENGTH]
 */
public final class SearchThroughput {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int windows = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int len = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        Path model = Path.of("models/tiny-llama-gqa-8m");
        LlamaModel dense = Checkpoints.load(model);
        Scores scores = Criteria.create("l2").score(ScoringContext.of(dense, dev.lopper.calib.Statistics.NONE));
        int[] ids;
        try (Tokenizer tok = Tokenizers.forModel(model, null)) {
            String text = TextCorpus.resolve("c4", Path.of(System.getProperty("lopper.data", "../shared/data"))).text();
            ids = CalibrationTokens.encode(tok, text, (long) windows * len);
        }
        CalibrationData data = CalibrationData.consecutive(ids, windows, len);
        SearchSpace space = new SearchSpace(dense.config(), Target.of(0.3, dense.config()), 0, 0.8);
        SplittableRandom rnd = new SplittableRandom(1);
        List<RemovalCounts> cands = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            double[] r = new double[dense.config().numLayers()];
            for (int l = 0; l < r.length; l++) r[l] = 0.4 + 0.2 * rnd.nextDouble();
            cands.add(space.repair(r).candidate().counts());
        }
        System.out.printf("8M fixture, %d candidates per batch, %d windows x %d tokens = %d tokens per evaluation, %d rounds%n",
                cands.size(), windows, len, windows * len, rounds);
        for (MaskedFitness.Kind kind : MaskedFitness.Kind.values()) {
            try (MaskedFitness one = new MaskedFitness(dense, scores, data, kind, 512, 4, 1);
                 MaskedFitness two = new MaskedFitness(dense, scores, data, kind, 512, 4, 2)) {
                one.evaluateAll(cands.subList(0, 2), windows);   // warm-up
                two.evaluateAll(cands.subList(0, 2), windows);
                double t1 = 0, t2 = 0;
                for (int r = 0; r < rounds; r++) {
                    long a = System.nanoTime();
                    double[] f1 = one.evaluateAll(cands, windows);
                    long b = System.nanoTime();
                    double[] f2 = two.evaluateAll(cands, windows);
                    long c = System.nanoTime();
                    if (!java.util.Arrays.equals(f1, f2)) throw new AssertionError("jobs 1 and 2 differ");
                    t1 += (b - a) / 1e9;
                    t2 += (c - b) / 1e9;
                }
                double n = (double) rounds * cands.size();
                System.out.printf("%-4s jobs 1: %.2f evaluations/s (%.0f tokens/s)   jobs 2: %.2f evaluations/s (%.0f tokens/s)   jobs 2 / jobs 1 = %.2f%n",
                        kind.name().toLowerCase(), n / t1, n * windows * len / t1, n / t2, n * windows * len / t2, t1 / t2);
            }
        }
    }
}
