package dev.lopper.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every command takes ({@link GeneralOptions}) and the data folder of named data sets. */
public final class CommonOptions extends GeneralOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder for named data sets (default: $LOPPER_DATA, else ../shared/data).")
    Path data;
}
