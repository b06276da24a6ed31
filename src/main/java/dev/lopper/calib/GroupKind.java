package dev.lopper.calib;

/** The two kinds of prunable group: an attention group (kv head + its query heads) or an MLP channel. */
public enum GroupKind {
    ATTENTION, MLP
}
