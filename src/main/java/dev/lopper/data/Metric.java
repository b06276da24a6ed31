package dev.lopper.data;

/** The accuracy variants lm-evaluation-harness reports. */
public enum Metric {
    /** argmax of the summed log-likelihood (for greedy tasks: every continuation token is the argmax). */
    ACC("acc"),
    /** argmax of the log-likelihood divided by the continuation's length in UTF-8 bytes. */
    ACC_NORM("acc_norm");

    private final String label;

    Metric(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
