package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.util.ErrorText;
import dev.lopper.util.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** The {@code lopper} command line: wiring only; each subcommand is a small class. */
@Command(name = "lopper", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Structured pruning of LLaMA-family models on the CPU: prune, evaluate, compare.",
        subcommands = {InfoCommand.class, GenerateCommand.class, EvalCommand.class, PruneCommand.class, SearchCommand.class,
                WorkerCommand.class, RecoverCommand.class, ExportCommand.class, BenchCommand.class,
                DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit codes: 0 ok, 1 internal error, 2 bad input, usage, or a full disk / permission on a path (docs/reliability.md). */
    static final int BAD_INPUT = 2;

    @Spec
    CommandSpec spec;

    /** {@code lopper} without a command: the usage, on stderr, and exit 2 (it did nothing that was asked). */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_INPUT;
    }

    /** {@code --version} of every command: the pom's version, as in pruning.json and the reports. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lopper " + Version.current()};
        }
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (OutOfMemoryError e) {      // thrown past picocli (it handles exceptions, not errors)
            System.err.println(outOfMemoryLine());
            code = 1;
        }
        System.exit(code);
    }

    /** One line for an OutOfMemoryError: the heap it had and how to give it more. */
    static String outOfMemoryLine() {
        return String.format("lopper: out of memory: the Java heap (at most %.1f GB) is full; give it more with "
                + "LOPPER_JAVA_OPTS=\"-Xmx<N>g\" (the launcher's default is a share of this machine's memory), "
                + "or lower --calib-windows / --batch", Runtime.getRuntime().maxMemory() / 1e9);
    }

    static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with errors going to {@code err} (tests capture it). */
    static int run(PrintWriter errOut, String... args) {
        return commandLine(errOut).execute(args);
    }

    /** The configured command line; tests render its help and add {@code extraSubcommands} to probe the error handling. */
    static CommandLine commandLine(PrintWriter errOut, Object... extraSubcommands) {
        CommandLine cli = new CommandLine(new Main());
        for (Object sub : extraSubcommands) cli.addSubcommand(sub);
        cli.setErr(errOut);
        ChoiceConverter.registerAll(cli);
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            if (ex.getCause() instanceof ChoiceConverter.BadValue bad && ex.getArgSpec() != null) {
                err.println("lopper: " + bad.messageFor(ex.getArgSpec()));   // one line: it lists the candidates
                return BAD_INPUT;
            }
            err.println("lopper: " + ex.getMessage());
            if (ex instanceof UnmatchedArgumentException) UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return BAD_INPUT;
        });
        // Subcommands do not inherit the version: `lopper prune --version` printed nothing.
        for (CommandLine sub : cli.getSubcommands().values()) sub.getCommandSpec().versionProvider(new VersionProvider());
        for (String withPresets : new String[] {"prune", "search", "demo"}) {
            cli.getSubcommands().get(withPresets).getCommandSpec().usageMessage().footer(presetHelp());
        }
        return cli;
    }

    /** The --method presets, described from the presets themselves (so --help cannot drift from them). */
    private static String[] presetHelp() {
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add("");
        lines.add("Presets (--method): criterion, allocation, prunable layers (of n),");
        lines.add("calibration windows×tokens of a corpus; explicit options override them.");
        lines.addAll(dev.lopper.pipeline.PruneOptions.presetLines());
        return lines.toArray(String[]::new);
    }

    /**
     * Bad input ({@link BadInputException}, possibly wrapped) or a failure of the user's environment
     * (a full disk, a permission: {@link ErrorText#ioFailure}): one clear line and exit 2. Anything
     * else is a bug, whatever its type (an IllegalArgumentException included): "internal error",
     * exit 1. Stack traces only with --verbose.
     */
    private static int handle(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.hasMatchedOption("--verbose") || parsed.subcommands().stream()
                .anyMatch(p -> p.hasMatchedOption("--verbose"));
        PrintWriter err = cmd.getErr();
        Throwable cause = ex;
        while (!(cause instanceof BadInputException) && cause.getCause() != null) cause = cause.getCause();
        if (cause instanceof BadInputException) {
            // A setting's error names the setting by key: print the option that sets it.
            String message = ((BadInputException) cause).message(OptionNames::of);
            err.println("lopper: " + ErrorText.clean(message));
            if (verbose) ex.printStackTrace(err);
            return BAD_INPUT;
        }
        String io = ErrorText.ioFailure(ex);
        if (io != null) {   // a full disk or a permission: the user's environment, not a bug
            err.println("lopper: " + io);
            if (verbose) ex.printStackTrace(err);
            return BAD_INPUT;
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                err.println(outOfMemoryLine());
                if (verbose) ex.printStackTrace(err);
                return 1;
            }
        }
        err.println("lopper: internal error: " + ErrorText.clean(ex.toString()));
        if (verbose) ex.printStackTrace(err);
        else err.println("(run again with --verbose for the stack trace)");
        return 1;
    }
}
