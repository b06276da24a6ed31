package dev.lopper.eval;

import dev.lopper.data.Metric;
import dev.lopper.data.ScoringKind;
import dev.lopper.data.TaskExample;
import dev.lopper.data.TaskSource;
import dev.lopper.data.Tasks;
import dev.lopper.data.TextRequest;
import dev.lopper.data.ZeroShotTask;
import dev.lopper.io.Tokenizer;
import dev.lopper.util.ProgressListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs zero-shot tasks against a {@link LogLikelihoodModel} with lm-evaluation-harness
 * semantics: acc = argmax of summed log-likelihood, acc_norm = argmax of log-likelihood per
 * UTF-8 byte of the continuation, ties go to the lowest index. Deterministic: no sampling.
 */
public final class ZeroShotEvaluator {
    private final LogLikelihoodModel model;
    private final RequestEncoder encoder;
    private final ProgressListener progress;

    public ZeroShotEvaluator(LogLikelihoodModel model, Tokenizer tokenizer, ProgressListener progress) {
        this.model = model;
        this.encoder = new RequestEncoder(tokenizer);
        this.progress = progress;
    }

    /** Evaluates the tasks in order; the sample log, if asked for, appears only when all succeed. */
    public ZeroShotResults evaluate(String modelName, List<TaskSource> sources, EvalOptions options) {
        List<TaskResult> results = new ArrayList<>();
        SampleLog log = options.logSamples() == null ? null : new SampleLog(options.logSamples());
        try {
            for (TaskSource source : sources) {
                results.add(evaluateTask(source.task(), source.read(), options.limit(), log));
            }
            if (log != null) log.commit();
        } finally {
            if (log != null) log.close();
        }
        return new ZeroShotResults(modelName, results, averageOfSeven(results), options.limit());
    }

    /** Scores already-read examples of one task; {@code log} may be null. */
    TaskResult evaluateTask(ZeroShotTask task, List<TaskExample> allExamples, int limit, SampleLog log) {
        List<TaskExample> examples = limit > 0 && limit < allExamples.size()
                ? allExamples.subList(0, limit) : allExamples;
        List<LoglikRequest> requests = new ArrayList<>();
        for (TaskExample example : examples) {
            for (TextRequest text : example.requests()) requests.add(encoder.encode(text));
        }
        String label = task.name();
        List<LoglikResult> scores = model.score(requests, (done, total, what) -> progress.update(done, total, label));
        if (scores.size() != requests.size()) {
            throw new IllegalStateException("model returned " + scores.size() + " results for "
                    + requests.size() + " requests");
        }

        int n = examples.size();
        double[] correct = new double[n];
        double[] correctNorm = new double[n];
        double logLikSum = 0;
        int next = 0;
        for (int e = 0; e < n; e++) {
            TaskExample example = examples.get(e);
            int choices = example.requests().size();
            double[] logLik = new double[choices];
            double[] perByte = new double[choices];
            for (int c = 0; c < choices; c++) {
                logLik[c] = scores.get(next + c).logLikelihood();
                perByte[c] = logLik[c] / utf8Length(example.requests().get(c).continuation());
            }
            int pred = argmax(logLik);
            int predNorm = argmax(perByte);
            boolean isCorrect = task.kind() == ScoringKind.GREEDY_CONTINUATION
                    ? scores.get(next).greedy()
                    : pred == example.gold();
            correct[e] = isCorrect ? 1 : 0;
            correctNorm[e] = predNorm == example.gold() ? 1 : 0;
            logLikSum += logLik[example.gold()];
            if (log != null) {
                for (int c = 0; c < choices; c++) {
                    TextRequest text = example.requests().get(c);
                    LoglikRequest request = requests.get(next + c);
                    LoglikResult score = scores.get(next + c);
                    log.append(new SampleRecord(task.name(), example.index(), c, text.context(),
                            text.continuation(), request.context().length, request.continuation().length,
                            utf8Length(text.continuation()), score.logLikelihood(), score.greedy(),
                            example.gold(), pred, predNorm, isCorrect));
                }
            }
            next += choices;
        }
        return toResult(task, n, correct, correctNorm, logLikSum);
    }

    private static TaskResult toResult(ZeroShotTask task, int n, double[] correct, double[] correctNorm,
                                       double goldLogLikSum) {
        MeanWithError acc = MeanWithError.of(correct);
        if (task.kind() == ScoringKind.GREEDY_CONTINUATION) {
            double perplexity = n == 0 ? Double.NaN : Math.exp(-goldLogLikSum / n);
            return new TaskResult(task.name(), n, acc.mean(), acc.stderr(), null, null, perplexity,
                    Metric.ACC.label(), acc.mean(), task.promptFormat());
        }
        MeanWithError accNorm = MeanWithError.of(correctNorm);
        double table = task.tableMetric() == Metric.ACC_NORM ? accNorm.mean() : acc.mean();
        return new TaskResult(task.name(), n, acc.mean(), acc.stderr(), accNorm.mean(), accNorm.stderr(), null,
                task.tableMetric().label(), table, task.promptFormat());
    }

    /** Mean table metric over the seven standard tasks, or null unless each ran exactly once. */
    static Double averageOfSeven(List<TaskResult> results) {
        double sum = 0;
        for (ZeroShotTask standard : Tasks.STANDARD_SEVEN) {
            List<TaskResult> matches = results.stream().filter(r -> r.task().equals(standard.name())).toList();
            if (matches.size() != 1) return null;
            sum += matches.getFirst().tableValue();
        }
        return sum / Tasks.STANDARD_SEVEN.size();
    }

    private static int utf8Length(String text) {
        // An empty continuation cannot reach here (RequestEncoder rejects it), so no division by zero.
        return Math.max(1, text.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Index of the largest value; the first one on ties, like numpy's argmax. */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}
