package dev.lopper.data;

import dev.lopper.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * HellaSwag validation as the llama.cpp text file (bz2 or plain): six lines per item, namely
 * "activity_label: ctx", the gold label 0-3, and four endings. The text is already cleaned
 * the lm-eval way (no [header]/[title] tags); unlike lm-eval, ctx_b is not capitalised.
 * Context = first line; continuation = " " + ending.
 */
public final class HellaSwagTask implements ZeroShotTask {
    private static final int ENDINGS = 4;
    private static final int LINES_PER_ITEM = 2 + ENDINGS;

    @Override public String name() { return "hellaswag"; }
    @Override public Path relativeFile() { return Path.of("hellaswag", "hellaswag_val_full.txt.bz2"); }
    @Override public ScoringKind kind() { return ScoringKind.MULTIPLE_CHOICE; }
    @Override public Metric tableMetric() { return Metric.ACC_NORM; }

    @Override
    public String promptFormat() {
        return "context = \"activity_label: ctx\" (line 1 of 6); continuation = \" \" + ending";
    }

    @Override
    public List<TaskExample> read(Path file) {
        List<TaskExample> examples = new ArrayList<>();
        try (BufferedReader reader = open(file)) {
            String[] item = new String[LINES_PER_ITEM];
            int lineNumber = 0;
            int filled = 0;
            String text;
            while ((text = reader.readLine()) != null) {
                lineNumber++;
                item[filled++] = text;
                if (filled == LINES_PER_ITEM) {
                    int firstLine = lineNumber - LINES_PER_ITEM + 1;
                    examples.add(toExample(file, item, firstLine, examples.size()));
                    filled = 0;
                }
            }
            if (filled == 1 && item[0].isEmpty()) filled = 0; // tolerate one trailing blank line
            if (filled != 0) {
                throw new BadInputException(file, "line " + lineNumber + ": file ends inside an item (expected "
                        + LINES_PER_ITEM + " lines per item, the last has " + filled + ")");
            }
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")", e);
        }
        if (examples.isEmpty()) throw new BadInputException(file, "no examples (empty file)");
        return examples;
    }

    private static TaskExample toExample(Path file, String[] item, int firstLine, int index) {
        String context = item[0];
        if (context.isBlank()) throw new BadInputException(file, "line " + firstLine + ": empty context");
        int gold;
        try {
            gold = Integer.parseInt(item[1].strip());
        } catch (NumberFormatException e) {
            throw new BadInputException(file, "line " + (firstLine + 1) + ": label \"" + item[1]
                    + "\" is not an integer");
        }
        if (gold < 0 || gold >= ENDINGS) {
            throw new BadInputException(file, "line " + (firstLine + 1) + ": gold " + gold
                    + " is out of range for " + ENDINGS + " endings");
        }
        List<TextRequest> requests = new ArrayList<>(ENDINGS);
        for (int i = 0; i < ENDINGS; i++) requests.add(new TextRequest(context, " " + item[2 + i]));
        return new TaskExample(index, firstLine, requests, gold);
    }

    private static BufferedReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".bz2")) {
            try {
                in = new BZip2CompressorInputStream(in, true);
            } catch (IOException e) {
                in.close();
                throw new BadInputException(file, "not a bzip2 file (" + e.getMessage() + ")", e);
            }
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }
}
