package dev.lopper.model;

/**
 * The two kinds of prunable group: an attention group (kv head + its query heads) or an MLP
 * channel. Each kind's group owns input columns of one output projection (o_proj, down_proj):
 * the group mask scales those columns, and the column criteria (Wanda-sp, FLAP) read them and
 * their activations at {@link #outputSite()}; {@link GroupAxis} gives their width and index map.
 */
public enum GroupKind {
    ATTENTION(Param.O, ForwardHook.Site.O_IN),
    MLP(Param.DOWN, ForwardHook.Site.DOWN_IN);

    private final Param output;
    private final ForwardHook.Site outputSite;

    GroupKind(Param output, ForwardHook.Site outputSite) {
        this.output = output;
        this.outputSite = outputSite;
    }

    /** The output projection whose input columns the groups own. */
    public Param output() { return output; }

    /** Where the output projection's input (after the group masks) is seen by a {@link ForwardHook}. */
    public ForwardHook.Site outputSite() { return outputSite; }
}
