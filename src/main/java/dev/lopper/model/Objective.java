package dev.lopper.model;

/**
 * What backward minimises at the LM head. Per predicting row r (every row but the last of its
 * sequence; row r predicts token r+1) with weight w_r (1 when {@code weights} is null, 0 to
 * leave a prompt token out), the loss is
 * <pre>  L = Σ_r w_r·[(1 − k)·CE_r + k·T²·KL(p_T,r ‖ p_S,r)] / Σ_r w_r</pre>
 * with CE_r the next-token NLL, p_T and p_S the teacher's and the student's softmax at
 * temperature T, and k the distillation weight (Hinton et al.'s T² keeps the gradient's scale
 * across temperatures; Minitron distils with the KL alone, k = 1). {@code teacherLogits} is
 * [rows, vocab] for the batch (null when k = 0).
 */
public record Objective(float[] weights, float[] teacherLogits, float temperature, float kdWeight) {
    private static final Objective NEXT_TOKEN = new Objective(null, null, 1f, 0f);

    public Objective {
        if (!(kdWeight >= 0f && kdWeight <= 1f)) throw new IllegalArgumentException("distillation weight " + kdWeight);
        if (!(temperature > 0f)) throw new IllegalArgumentException("temperature " + temperature);
        if (kdWeight > 0f && teacherLogits == null) throw new IllegalArgumentException("distillation without teacher logits");
    }

    /** The mean next-token NLL over every predicting row. */
    public static Objective nextToken() { return NEXT_TOKEN; }

    void check(int rows, int vocab) {
        if (weights != null && weights.length != rows)
            throw new IllegalArgumentException(weights.length + " token weights for " + rows + " rows");
        if (teacherLogits != null && kdWeight > 0f && teacherLogits.length != (long) rows * vocab)
            throw new IllegalArgumentException(teacherLogits.length + " teacher logits for " + rows + " rows of "
                    + vocab);
    }

    float weight(int row) { return weights == null ? 1f : weights[row]; }
}
