package dev.lopper.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Options every command takes: --json, --force, --verbose, --quiet. {@link CommonOptions} adds
 * --data DIR to them; a command whose --data means something else (recover: LoRA's training text)
 * mixes in this class alone and names its data folder otherwise.
 */
public class GeneralOptions {
    @Option(names = "--json", paramLabel = "PATH", description = "Also write the result as JSON to PATH (default: not written).")
    Path json;

    @Option(names = "--force", description = "Replace an existing output file, or an output folder Lopper wrote "
            + "(default: off; never an input or a folder holding one).")
    boolean force;

    @Option(names = "--verbose", description = "Print stack traces of errors (default: off).")
    boolean verbose;

    @Option(names = "--quiet", description = "No progress bars (default: bars when stderr is a terminal).")
    boolean quiet;

    /**
     * The command's output guard with --json on it and --force applied. The command adds its inputs
     * and other outputs, then checks, before any work.
     */
    dev.lopper.util.OutputPaths.Guard outputs() {
        return dev.lopper.util.OutputPaths.guard(force).file(json, "--json");
    }

    void writeJson(Object result) {
        if (json != null) JsonOut.write(json, result);
    }

    dev.lopper.util.ProgressListener progress() {
        return quiet ? dev.lopper.util.ProgressListener.NONE : new dev.lopper.util.TerminalProgress(System.err, dev.lopper.util.TerminalProgress.stderrIsTerminal(System.getenv()));
    }
}
