package dev.lopper.allocation;

import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;

/**
 * Allocation's answer: per layer, how many attention groups and how many MLP channels to
 * remove. Which ones is decided by {@link Selection} from the scores.
 */
public record RemovalCounts(int[] attention, int[] mlp) {

    public RemovalCounts {
        if (attention.length != mlp.length)
            throw new IllegalArgumentException(attention.length + " attention counts but " + mlp.length + " MLP counts");
    }

    public int layers() { return attention.length; }

    /** Parameters these removals take out of a model of config {@code c}. */
    public long removedParameters(ModelConfig c) {
        long n = 0;
        for (int l = 0; l < layers(); l++) {
            n += attention[l] * Groups.attentionGroup(c, l) + mlp[l] * Groups.mlpChannel(c, l);
        }
        return n;
    }

    /** Removed parameters as a fraction of all the model's parameters. */
    public double removedFraction(ModelConfig c) {
        return (double) removedParameters(c) / Groups.total(c);
    }
}
