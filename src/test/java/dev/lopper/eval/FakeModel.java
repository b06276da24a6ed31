package dev.lopper.eval;

import dev.lopper.util.ProgressListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A LogLikelihoodModel whose answers are given by hand: keyed by the decoded continuation
 * text (and optionally "context|continuation"), so tests know the right answer in advance.
 */
final class FakeModel implements LogLikelihoodModel {
    private final WordTokenizer tokenizer;
    private final Map<String, LoglikResult> answers = new HashMap<>();
    final List<LoglikRequest> seen = new ArrayList<>();

    FakeModel(WordTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    FakeModel answer(String continuation, double logLikelihood) {
        return answer(continuation, logLikelihood, false);
    }

    FakeModel answer(String continuation, double logLikelihood, boolean greedy) {
        answers.put(continuation, new LoglikResult(logLikelihood, greedy));
        return this;
    }

    FakeModel answer(String context, String continuation, double logLikelihood) {
        answers.put(context + "|" + continuation, new LoglikResult(logLikelihood, false));
        return this;
    }

    @Override
    public List<LoglikResult> score(List<LoglikRequest> requests, ProgressListener progress) {
        List<LoglikResult> out = new ArrayList<>();
        for (LoglikRequest r : requests) {
            seen.add(r);
            String context = tokenizer.decode(r.context());
            String continuation = tokenizer.decode(r.continuation());
            LoglikResult result = answers.getOrDefault(context + "|" + continuation, answers.get(continuation));
            if (result == null) throw new AssertionError("no answer for \"" + continuation + "\"");
            out.add(result);
            progress.update(out.size(), requests.size(), "fake");
        }
        return out;
    }
}
