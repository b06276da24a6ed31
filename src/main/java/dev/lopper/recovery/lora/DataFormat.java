package dev.lopper.recovery.lora;

import java.nio.file.Path;

/** How a training file holds its text. */
public enum DataFormat {
    /** Plain text, the whole file (or a known corpus name). */
    TEXT,
    /** JSON lines, each with a "text" field; texts joined with blank lines. */
    JSONL,
    /** Alpaca-style JSON: an array of {instruction, input, output}, rendered with the Alpaca template. */
    ALPACA;

    /** The spelling users type (util/Choices reads it): text, jsonl, alpaca. */
    @Override
    public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** From the file name: .jsonl → JSONL, .json → ALPACA, anything else TEXT. */
    public static DataFormat detect(String nameOrPath) {
        String n = Path.of(nameOrPath).getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".jsonl")) return JSONL;
        if (n.endsWith(".json")) return ALPACA;
        return TEXT;
    }
}
