package dev.lopper.data;

import dev.lopper.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts of {@code lopper demo}. WikiText-2 (evaluation) and C4 (calibration) are slices that
 * ship with Lopper in {@code data/demo/} (the first lines of the files of the data folder; see
 * SOURCES.md there), so the demo needs no data folder; PTB, which may not be redistributed, is
 * added when a data folder holds it.
 */
public final class DemoTexts {
    public static final String FOLDER = "data/demo";
    public static final String WIKITEXT2 = "wikitext2-test-head.txt";
    public static final String C4 = "c4-train-00000-head.jsonl";

    private DemoTexts() {}

    /** The shipped file {@code name} of data/demo; bad input when the checkout lacks it. */
    public static Path bundled(String name) {
        Path f = DataDir.bundled(FOLDER).resolve(name);
        if (!Files.isRegularFile(f)) throw new BadInputException(f, "the demo's bundled text is missing");
        return f;
    }

    /** The calibration text: the C4 slice. */
    public static Path calibration() {
        return bundled(C4);
    }

    /** WikiText-2 (the bundled slice), then PTB test when {@code dataDir} has it. */
    public static List<TextCorpus> evaluation(Path dataDir) {
        List<TextCorpus> out = new ArrayList<>();
        TextCorpus wiki = TextCorpus.resolve(bundled(WIKITEXT2).toString(), null);
        out.add(new TextCorpus("wikitext2", wiki.file(), wiki.text(),
                "WikiText-2 raw test, its first 820 lines (the slice in " + FOLDER + "), \"\\n\\n\".join(HF rows)"));
        if (dataDir != null && Files.isRegularFile(dataDir.resolve("eval/ptb/ptb.test.txt")))
            out.add(TextCorpus.resolve("ptb", dataDir));
        return out;
    }
}
