package dev.lopper.importance;

/**
 * One importance score per prunable group, higher = keep: {@code attention[layer][kvHead]}
 * for attention groups (a kv head with its query heads) and {@code mlp[layer][channel]} for
 * MLP channels. A layer with no group of a kind has an empty array.
 */
public record Scores(String criterion, double[][] attention, double[][] mlp) {
}
