package dev.lopper.tokenizer;

/** The options of a tokenizer.json BPE model that change how a word is split. */
record BpeOptions(
        String unkToken,
        boolean fuseUnk,
        boolean byteFallback,
        boolean ignoreMerges,
        String continuingSubwordPrefix,
        String endOfWordSuffix) {}
