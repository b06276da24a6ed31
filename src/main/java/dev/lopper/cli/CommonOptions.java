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

    /**
     * The command's output guard with --json on it; {@code force} is the command's --force (null
     * when it has none). The command adds its inputs and other outputs, then checks, before any work.
     */
    dev.lopper.util.OutputPaths.Guard outputs(Boolean force) {
        return dev.lopper.util.OutputPaths.guard(force).file(json, "--json");
    }

    void writeJson(Object result) {
        if (json != null) JsonOut.write(json, result);
    }

    dev.lopper.util.ProgressListener progress() {
        return quiet ? dev.lopper.util.ProgressListener.NONE : new dev.lopper.util.TerminalProgress(System.err, dev.lopper.util.TerminalProgress.stderrIsTerminal(System.getenv()));
    }
}
