package dev.lopper.data;

import java.util.List;

/**
 * One item of a zero-shot task: the requests to score (one per choice; a single one for
 * greedy-continuation tasks such as LAMBADA) and the index of the correct request.
 *
 * @param index  0-based position in the task file (the "doc id" of lm-eval's sample logs)
 * @param line   1-based line in the source file where the item starts, for messages
 */
public record TaskExample(int index, int line, List<TextRequest> requests, int gold) {
    public TaskExample {
        requests = List.copyOf(requests);
        if (requests.isEmpty()) throw new IllegalArgumentException("example without requests");
        if (gold < 0 || gold >= requests.size()) throw new IllegalArgumentException("gold out of range");
    }
}
