package dev.lopper.eval;

/**
 * @param logLikelihood sum over continuation tokens of log p(token | everything before it), natural log
 * @param greedy        whether every continuation token was the model's argmax
 */
public record LoglikResult(double logLikelihood, boolean greedy) {}
