package dev.lopper.importance;

/**
 * One importance score per prunable group, higher = keep: {@code attention[layer][kvHead]}
 * for attention groups (a kv head with its query heads) and {@code mlp[layer][channel]} for
 * MLP channels. A layer with no group of a kind has an empty array.
 *
 * @param detail what the criterion reports about how it scored beyond the numbers (HyWIA: its
 *               fusion, for pruning.json and the report); null for most criteria
 */
public record Scores(String criterion, double[][] attention, double[][] mlp, Detail detail) {

    /** Scores with nothing more to report. */
    public Scores(String criterion, double[][] attention, double[][] mlp) {
        this(criterion, attention, mlp, null);
    }

    /** A criterion's own account of a scoring (implemented by the criterion that has one). */
    public interface Detail {}
}
