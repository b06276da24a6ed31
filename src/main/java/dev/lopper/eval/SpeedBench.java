package dev.lopper.eval;

import dev.lopper.model.Pass;
import dev.lopper.model.Generator;
import dev.lopper.model.GradientSink;
import dev.lopper.model.Param;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Sampler;
import dev.lopper.model.CausalLM;
import dev.lopper.util.ProgressListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Inference speed of one or more models measured in the same process, runs interleaved
 * (A, B, B, A, A, B, …: the order alternates so neither model always runs first) so that machine
 * noise hits all of them alike; each figure is the median of the runs with its min and max, and
 * {@link Comparison} pairs the runs of two models run by run.
 */
public final class SpeedBench {
    private SpeedBench() {}

    public record Settings(int batch, int promptLength, int decodeTokens, int runs, int warmups, long seed) {
        public Settings {
            if (batch < 1 || promptLength < 1 || decodeTokens < 1 || runs < 1 || warmups < 0)
                throw new IllegalArgumentException("bench settings must be positive");
        }
    }

    /** Median with the spread of the runs. */
    public record Stat(double median, double min, double max, double[] runs) {
        static Stat of(double[] values) {
            double[] s = values.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return new Stat(median, s[0], s[n - 1], values);
        }

        /** (max − min) / median, the run-to-run spread. */
        public double spread() { return median == 0 ? 0 : (max - min) / median; }
    }

    /**
     * B/A of one measure: the median of the per-run ratios B_r / A_r (A and B ran back to back
     * in run r, so slow drifts of the machine cancel) and their min and max.
     */
    public record Ratio(double median, double min, double max) {
        static Ratio paired(Stat a, Stat b) {
            double[] r = new double[a.runs().length];
            for (int i = 0; i < r.length; i++) r[i] = b.runs()[i] / a.runs()[i];
            Stat s = Stat.of(r);
            return new Ratio(s.median(), s.min(), s.max());
        }

        /** True when the runs disagree on the direction: some ratios are at or below 1, some at or above. */
        public boolean withinNoise() { return min <= 1 && max >= 1; }
    }

    /** B against A, measure by measure (time to first token: B's time over A's, lower is faster). */
    public record Comparison(Ratio prefill, Ratio decode, Ratio timeToFirstToken, Ratio backward, double parameters) {
        public static Comparison of(ModelSpeed a, ModelSpeed b) {
            return new Comparison(Ratio.paired(a.prefillTokensPerSecond(), b.prefillTokensPerSecond()),
                    Ratio.paired(a.decodeTokensPerSecond(), b.decodeTokensPerSecond()),
                    Ratio.paired(a.timeToFirstTokenMs(), b.timeToFirstTokenMs()),
                    Ratio.paired(a.backwardTokensPerSecond(), b.backwardTokensPerSecond()),
                    (double) b.parameters() / a.parameters());
        }
    }

    /**
     * @param backwardTokensPerSecond forward + backward of the mean NLL over the prefill batch,
     *                                with the gradient of every weight computed (and dropped)
     */
    public record ModelSpeed(String label, long parameters, long weightBytes, Stat prefillTokensPerSecond,
                             Stat decodeTokensPerSecond, Stat timeToFirstTokenMs, Stat backwardTokensPerSecond) {}

    /** Wants every gradient and drops it: the cost of a full backward without keeping anything. */
    private static final GradientSink DISCARD = new GradientSink() {
        @Override
        public boolean wants(int layer, Param param) { return true; }

        @Override
        public void accept(int layer, Param param, dev.lopper.tensor.Matrix weight, float[] grad) {}
    };

    public static List<ModelSpeed> run(List<String> labels, List<LlamaModel> models, Settings s,
                                       ProgressListener progress) {
        int k = models.size();
        List<CausalLM> ts = models.stream().map(CausalLM::of).toList();
        double[][] prefill = new double[k][s.runs()], decode = new double[k][s.runs()], ttft = new double[k][s.runs()];
        double[][] backward = new double[k][s.runs()];
        int total = (s.warmups() + s.runs()) * k;
        int step = 0;
        for (int r = -s.warmups(); r < s.runs(); r++) {
            for (int i = 0; i < k; i++) {
                int m = Math.floorMod(r, 2) == 0 ? i : k - 1 - i;   // alternate the order run by run
                CausalLM t = ts.get(m);
                int vocab = t.config().vocabSize();
                int len = Math.min(s.promptLength(), t.config().maxPositions() - s.decodeTokens());
                if (len < 1) throw new IllegalArgumentException("prompt + decode tokens exceed the model's context");
                int[] tokens = randomTokens(s.seed() + r, s.batch() * len, vocab);
                // A full collection before each run, outside the timed parts: the previous run's garbage
                // (weight-sized gradient arrays land directly in the old generation) neither pauses this
                // run nor piles up (without it the demo's heap grew by ~60 MB per run).
                System.gc();

                long t0 = System.nanoTime();
                t.prefill(tokens, s.batch(), len, Pass.plain());
                double prefillSecs = (System.nanoTime() - t0) / 1e9;

                long t1 = System.nanoTime();
                t.backward(tokens, s.batch(), len, Pass.plain(), DISCARD);
                double backwardSecs = (System.nanoTime() - t1) / 1e9;

                int[] prompt = Arrays.copyOf(tokens, len);
                Generator.Result g = new Generator(t).generate(prompt, s.decodeTokens(), Sampler.greedy(), -1);
                if (r >= 0) {
                    prefill[m][r] = s.batch() * len / prefillSecs;
                    // time to first token = prompt processing of one sequence + picking its first token
                    ttft[m][r] = g.prefillNanos() / 1e6;
                    decode[m][r] = g.decodeTokensPerSecond();
                    backward[m][r] = s.batch() * len / backwardSecs;
                }
                progress.update(++step, total, "bench runs");
            }
        }
        List<ModelSpeed> out = new ArrayList<>();
        for (int m = 0; m < k; m++) {
            LlamaModel model = models.get(m);
            long bytes = model.namedTensors().values().stream().mapToLong(x -> x.size() * x.dtype().bytes).sum();
            out.add(new ModelSpeed(labels.get(m), model.parameterCount(), bytes, Stat.of(prefill[m]),
                    Stat.of(decode[m]), Stat.of(ttft[m]), Stat.of(backward[m])));
        }
        return out;
    }

    private static int[] randomTokens(long seed, int n, int vocab) {
        Random rnd = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rnd.nextInt(vocab);
        return t;
    }
}
