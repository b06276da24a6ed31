package dev.lopper.cli;

import dev.lopper.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code lopper} command line: wiring only; each subcommand is a small class. */
@Command(name = "lopper", mixinStandardHelpOptions = true, version = "lopper " + Main.VERSION,
        description = "Structured pruning of LLaMA-family models on the CPU: prune, evaluate, compare.",
        subcommands = {InfoCommand.class, GenerateCommand.class, EvalCommand.class, PruneCommand.class, SearchCommand.class, BenchCommand.class,
                DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    /** Exit codes: 0 ok, 1 internal error, 2 bad input or usage. */
    static final int BAD_INPUT = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with errors going to {@code err} (tests capture it). */
    static int run(PrintWriter errOut, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(errOut);
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("lopper: " + ex.getMessage());
            err.println("Try 'lopper " + ex.getCommandLine().getCommandName() + " --help'.");
            return BAD_INPUT;
        });
        return cli.execute(args);
    }

    /** Bad input: one clear line and exit 2; anything else: an internal error. Stack traces only with --verbose. */
    private static int handle(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.hasMatchedOption("--verbose") || parsed.subcommands().stream()
                .anyMatch(p -> p.hasMatchedOption("--verbose"));
        PrintWriter err = cmd.getErr();
        Throwable cause = ex;
        while (!(cause instanceof BadInputException) && cause.getCause() != null) cause = cause.getCause();
        if (cause instanceof BadInputException) {
            err.println("lopper: " + cause.getMessage());
            if (verbose) ex.printStackTrace(err);
            return BAD_INPUT;
        }
        if (ex instanceof IllegalArgumentException) {
            err.println("lopper: " + ex.getMessage());
            if (verbose) ex.printStackTrace(err);
            return BAD_INPUT;
        }
        err.println("lopper: internal error: " + ex);
        if (verbose) ex.printStackTrace(err);
        else err.println("(run again with --verbose for the stack trace)");
        return 1;
    }
}
