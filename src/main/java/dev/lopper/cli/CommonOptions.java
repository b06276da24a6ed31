package dev.lopper.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every command takes. */
public final class CommonOptions {
    @Option(names = "--json", paramLabel = "PATH", description = "Also write the result as JSON to PATH (default: not written).")
    Path json;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder for named data sets (default: $LOPPER_DATA, else ../shared/data).")
    Path data;

    @Option(names = "--verbose", description = "Print stack traces of errors (default: off).")
    boolean verbose;

    @Option(names = "--quiet", description = "No progress bars (default: bars when stderr is a terminal).")
    boolean quiet;

    /** Refuses an unusable --json path before any work (a folder, a file where its folder should be). */
    void checkOutputs() {
        dev.lopper.util.OutputPaths.checkFile(json, "--json");
    }

    void writeJson(Object result) {
        if (json != null) JsonOut.write(json, result);
    }

    dev.lopper.util.ProgressListener progress() {
        return quiet ? dev.lopper.util.ProgressListener.NONE : new dev.lopper.util.TerminalProgress(System.err, dev.lopper.util.TerminalProgress.stderrIsTerminal(System.getenv()));
    }
}
