package dev.lopper.recovery.lora;

import dev.lopper.model.Adapter;
import dev.lopper.model.CausalLM;
import dev.lopper.model.GradientSink;
import dev.lopper.model.Objective;
import dev.lopper.model.Param;
import dev.lopper.model.Pass;
import dev.lopper.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains LoRA adapters on a pruned model: AdamW with a warm-up + cosine schedule, gradient
 * accumulation, global-norm clipping, held-out evaluation every N steps, optional distillation
 * from a dense teacher ({@link Objective}), and checkpoints to resume from.
 *
 * <p>Everything that varies between steps is a function of (seed, step): the windows of step s
 * are positions s·W .. s·W+W−1 of the concatenated per-epoch shuffles (epoch e shuffled with
 * seed ⊕ e), and the dropout masks of micro-batch j of step s are seeded with a hash of
 * (seed, s, j). So a run resumed from a checkpoint (adapters, AdamW moments and step count,
 * restored bit for bit) makes the same updates as one that never stopped.
 */
public final class LoraTrainer {
    /** What the loop reports after each step and each evaluation. */
    public interface Listener {
        void step(Point p, int totalSteps);

        void eval(EvalPoint p);

        /** Called after a checkpoint of {@code step} completed steps was written. */
        default void checkpoint(int step) {}
    }

    /** One optimiser step: mean training objective over its tokens and the learning rate used. */
    public record Point(int step, long tokens, double loss, double learningRate, double gradNorm) {}

    /** A held-out evaluation after {@code step} steps (0 = before training). */
    public record EvalPoint(int step, long tokens, double meanNll, double perplexity) {}

    /** Held-out token windows. */
    public record EvalWindows(int[] tokens, int windows, int seq) {}

    /** Distillation's teacher: the dense model, forward only. */
    public record Teacher(CausalLM model) {}

    private static final GradientSink NO_WEIGHTS = new GradientSink() {
        @Override
        public boolean wants(int layer, Param param) { return false; }

        @Override
        public void accept(int layer, Param param, Matrix weight, float[] grad) {
            throw new AssertionError("no weight gradients were asked for");
        }
    };

    private final CausalLM student;
    private final LoraWeights lora;
    private final TrainingText text;
    private final EvalWindows eval;
    private final Teacher teacher;
    private final TrainOptions opt;
    private final int[] starts;
    private final int totalSteps;
    private final AdamW adam;
    private final List<float[]> params = new ArrayList<>(), grads = new ArrayList<>();
    final List<Point> points = new ArrayList<>();
    final List<EvalPoint> evals = new ArrayList<>();
    int step;
    private int[] order;
    private int orderEpoch = -1;

    public LoraTrainer(CausalLM student, LoraWeights lora, TrainingText text, EvalWindows eval, Teacher teacher,
                       TrainOptions opt) {
        this.student = student;
        this.lora = lora;
        this.text = text;
        this.eval = eval;
        this.teacher = teacher;
        this.opt = opt;
        this.starts = text.windowStarts(opt.seq());
        this.totalSteps = opt.totalSteps(starts.length);
        for (Adapter a : lora.all()) {
            params.add(a.a);
            grads.add(a.gradA);
            params.add(a.b);
            grads.add(a.gradB);
        }
        this.adam = new AdamW(params, 0.9, 0.999, 1e-8, opt.weightDecay());
    }

    public int totalSteps() { return totalSteps; }

    public int trainingWindows() { return starts.length; }

    public int step() { return step; }

    public List<Point> points() { return List.copyOf(points); }

    public List<EvalPoint> evals() { return List.copyOf(evals); }

    AdamW adam() { return adam; }

    LoraWeights lora() { return lora; }

    /** Tokens the model has been trained on after {@code steps} steps. */
    public long tokensAfter(int steps) { return (long) steps * opt.windowsPerStep() * opt.seq(); }

    /** Distinct training windows seen after {@code steps} steps (all of them once an epoch is complete). */
    public int windowsSeen(int steps) { return (int) Math.min(starts.length, (long) steps * opt.windowsPerStep()); }

    /**
     * Runs the remaining steps. {@code checkpoints} (null = none) is called every
     * {@code checkpointEvery} steps with this trainer, before the next step starts.
     */
    public void run(Listener listener, java.util.function.Consumer<LoraTrainer> checkpoints) {
        if (step == 0 && evals.isEmpty()) addEval(listener);
        runSteps(listener, checkpoints, totalSteps - step);
    }

    /** Runs at most {@code n} more steps, without the evaluation before the first (benchmarks time single steps). */
    public void runSteps(Listener listener, int n) {
        runSteps(listener, null, n);
    }

    private void runSteps(Listener listener, java.util.function.Consumer<LoraTrainer> checkpoints, int n) {
        CosineSchedule schedule = new CosineSchedule(opt.learningRate(), opt.warmup(), totalSteps);
        int end = Math.min(totalSteps, step + n);
        while (step < end) {
            lora.zeroGradients();
            double lossSum = 0, weightSum = 0;
            for (int j = 0; j < opt.accumulation(); j++) {
                int[] tokens = new int[opt.batch() * opt.seq()];
                float[] weights = new float[tokens.length];
                for (int b = 0; b < opt.batch(); b++) {
                    int start = windowAt((long) step * opt.windowsPerStep() + (long) j * opt.batch() + b);
                    System.arraycopy(text.tokens(), start, tokens, b * opt.seq(), opt.seq());
                    text.rowWeights(start, opt.seq(), weights, b * opt.seq());
                }
                lora.setDropoutSeed(mix(opt.seed() ^ mix(((long) step << 20) + j)));
                Objective objective = objective(tokens, weights);
                CausalLM.Loss loss = student.backward(tokens, opt.batch(), opt.seq(), Pass.plain().withAdapters(lora),
                        NO_WEIGHTS, objective);
                lossSum += loss.sumNll();
                weightSum += loss.predicted();
            }
            double scale = 1.0 / opt.accumulation();
            double norm = 0;
            for (float[] g : grads) for (float v : g) norm += (double) v * v;
            norm = Math.sqrt(norm) * scale;
            if (opt.maxGradNorm() > 0 && norm > opt.maxGradNorm()) scale *= opt.maxGradNorm() / (norm + 1e-6);
            double lr = schedule.at(step);
            adam.step(grads, lr, scale);
            step++;
            Point p = new Point(step, tokensAfter(step), weightSum > 0 ? lossSum / weightSum : Double.NaN, lr, norm);
            points.add(p);
            listener.step(p, totalSteps);
            if (step == totalSteps || (opt.evalEvery() > 0 && step % opt.evalEvery() == 0)) addEval(listener);
            if (checkpoints != null && opt.checkpointEvery() > 0 && step % opt.checkpointEvery() == 0 && step < totalSteps) {
                checkpoints.accept(this);
                listener.checkpoint(step);
            }
        }
    }

    private Objective objective(int[] tokens, float[] weights) {
        boolean weighted = !text.allWeighted();
        if (teacher == null || opt.kdWeight() == 0) return weighted ? new Objective(weights, null, 1f, 0f) : Objective.nextToken();
        float[] t = teacher.model().logits(tokens, opt.batch(), opt.seq(), Pass.plain());
        return new Objective(weighted ? weights : null, t, (float) opt.temperature(), (float) opt.kdWeight());
    }

    private void addEval(Listener listener) {
        if (eval == null) return;
        Pass pass = Pass.plain().withAdapters(lora.withoutDropout());
        int n = opt.evalWindows() > 0 ? Math.min(opt.evalWindows(), eval.windows()) : eval.windows();
        double mean = student.loss(CausalLM.Windows.consecutive(eval.tokens(), eval.seq()), n, eval.seq(), opt.batch(),
                pass, w -> {}).mean();
        EvalPoint p = new EvalPoint(step, tokensAfter(step), mean, Math.exp(mean));
        evals.add(p);
        listener.eval(p);
    }

    /** The start of the g-th window of the run: epoch g / N's shuffle, position g mod N. */
    private int windowAt(long g) {
        int n = starts.length;
        int epoch = (int) (g / n);
        if (epoch != orderEpoch) {
            order = shuffle(n, opt.seed() ^ mix(epoch + 1L));
            orderEpoch = epoch;
        }
        return starts[order[(int) (g % n)]];
    }

    static int[] shuffle(int n, long seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Restores a checkpoint's counters and curves (adapters and moments are restored by {@link LoraCheckpoint}). */
    void restore(int step, int adamSteps, List<Point> points, List<EvalPoint> evals) {
        this.step = step;
        this.adam.t = adamSteps;
        this.points.clear();
        this.points.addAll(points);
        this.evals.clear();
        this.evals.addAll(evals);
    }
}
