package dev.lopper.data;

/** How a task turns log-likelihoods into a correct/incorrect decision. */
public enum ScoringKind {
    /** Pick the request with the best score among the choices. */
    MULTIPLE_CHOICE,
    /** One request per example; correct when the continuation is the model's greedy output. */
    GREEDY_CONTINUATION
}
