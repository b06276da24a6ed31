package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.surgery.PruningRecord;
import dev.lopper.util.Version;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The command line as a user meets it: usage, suggestions, defaults in --help, names, version, exit codes. */
class CliConsistencyTest {
    record Run(int code, String out, String err) {}

    private static Run lopperWith(Object extraSubcommand, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = extraSubcommand == null ? Main.commandLine(new PrintWriter(err, true))
                : Main.commandLine(new PrintWriter(err, true), extraSubcommand);
        cli.setOut(new PrintWriter(out, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Run lopper(String... args) {
        return lopperWith(null, args);
    }

    @Test
    void noCommandPrintsUsageAndExitsTwo() {
        Run r = lopper();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: lopper"), r.err());
        assertTrue(r.err().contains("prune") && r.err().contains("eval"), "lists the commands: " + r.err());
    }

    @Test
    void mistypedCommandOrOptionSuggestsTheClosest() {
        Run r = lopper("prnue");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Did you mean") && r.err().contains("lopper prune"), r.err());
        r = lopper("info", "--modle", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model"), "suggests --model: " + r.err());
        assertTrue(r.err().contains("Try 'lopper info --help'"), r.err());
    }

    /** Every option of every command says its default, or is required; no unfilled or null defaults. */
    @Test
    void everyOptionShowsItsDefault() {
        CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
        int checked = 0;
        for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            String help = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertFalse(help.contains("${"), e.getKey() + ": unexpanded variable in\n" + help);
            assertFalse(help.contains("default null") || help.contains("default: null"), e.getKey() + ":\n" + help);
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (o.hidden() || o.usageHelp() || o.versionHelp()) continue;
                String text = String.join(" ", o.description()).toLowerCase();
                assertTrue(o.required() || text.contains("default"),
                        e.getKey() + " " + o.longestName() + " does not state its default: " + text);
                if (text.contains("${default-value}"))
                    assertNotNull(o.defaultValue() != null ? o.defaultValue() : o.initialValue(),
                            e.getKey() + " " + o.longestName() + " shows a default it does not have");
                checked++;
            }
        }
        assertTrue(checked > 40, "checked " + checked + " options");
    }

    /** One visible name per concept; the old names still parse but are hidden. */
    @Test
    void oneNamePerConceptWithHiddenOldNames() {
        CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
        Map<String, List<String>> visible = new java.util.TreeMap<>();
        for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
            List<String> names = new ArrayList<>();
            for (OptionSpec o : e.getValue().getCommandSpec().options()) if (!o.hidden()) names.addAll(List.of(o.names()));
            visible.put(e.getKey(), names);
        }
        for (String old : List.of("--seq", "--max-tokens", "--decode", "--calib-samples")) {
            visible.forEach((cmd, names) -> assertFalse(names.contains(old), cmd + " still shows " + old));
        }
        assertTrue(visible.get("eval").contains("--seq-len"));
        assertTrue(visible.get("generate").contains("--new-tokens") && visible.get("bench").contains("--new-tokens"));
        // Report folders are --report everywhere; --out is only what a command makes: prune's and recover's model
        // folder, export's file, search's run folder (the issue's `lopper search ... --out RUN_DIR`).
        assertTrue(visible.get("eval").contains("--report") && visible.get("bench").contains("--report")
                && visible.get("demo").contains("--report"));
        visible.forEach((cmd, names) -> assertEquals(cmd.equals("prune") || cmd.equals("recover") || cmd.equals("export")
                || cmd.equals("search"),
                names.contains("--out"), cmd));

        CommandLine.ParseResult p = cli.parseArgs("eval", "--model", "m", "--ppl", "x", "--seq", "64");
        assertEquals(64, ((EvalCommand) p.subcommand().commandSpec().userObject()).selection.seq, "old --seq still works");
        p = cli.parseArgs("eval", "--model", "m", "--ppl", "x");
        assertEquals(128, ((EvalCommand) p.subcommand().commandSpec().userObject()).selection.seq, "default");
        p = cli.parseArgs("generate", "--model", "m", "--prompt", "x", "--max-tokens", "7");
        assertEquals(7, ((GenerateCommand) p.subcommand().commandSpec().userObject()).maxTokens);
        p = cli.parseArgs("bench", "--model", "m", "--decode", "9");
        assertEquals(9, ((BenchCommand) p.subcommand().commandSpec().userObject()).decode);
        p = cli.parseArgs("prune", "--model", "m", "--out", "o", "--calib-samples", "3");
        assertEquals(3, ((PruneCommand) p.subcommand().commandSpec().userObject()).choices.samples);
        p = cli.parseArgs("demo", "--out", "r");
        assertEquals(Path.of("r"), ((DemoCommand) p.subcommand().commandSpec().userObject()).out);
    }

    @Test
    void presetsAreDescribedInHelp() {
        for (String cmd : List.of("prune", "demo")) {
            Run r = lopper(cmd, "--help");
            assertEquals(0, r.code());
            for (String m : PruneOptions.METHODS) {
                PruneOptions p = PruneOptions.preset(m, 0.2);
                Matcher line = Pattern.compile("(?m)^\\s+" + Pattern.quote(m) + "\\s+(.*)$").matcher(r.out());
                assertTrue(line.find(), cmd + " --help lacks preset " + m + ":\n" + r.out());
                assertTrue(line.group(1).startsWith(p.criterion() + ", " + p.allocation()), line.group(1));
                assertTrue(line.group(1).contains(p.calibrationSamples() + "×" + p.calibrationLength()), line.group(1));
            }
        }
    }

    /** --version, pruning.json and the pom say the same version. */
    @Test
    void oneVersionEverywhere() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>lopper</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find());
        assertEquals(m.group(1), Version.current());
        assertEquals(Version.current(), PruningRecord.currentVersion());
        for (String cmd : List.of("", "prune", "eval", "demo")) {
            Run r = cmd.isEmpty() ? lopper("--version") : lopper(cmd, "--version");
            assertEquals(0, r.code());
            assertEquals("lopper " + m.group(1), r.out().strip());
        }
    }

    @picocli.CommandLine.Command(name = "boom")
    static final class Boom implements Runnable {
        @picocli.CommandLine.Option(names = "--bad-input") boolean badInput;
        @picocli.CommandLine.Option(names = "--verbose") boolean verbose;

        @Override
        public void run() {
            if (badInput) throw new BadInputException(Path.of("some.file"), "is broken");
            throw new IllegalArgumentException("index 7 out of range");   // a bug, not the user's input
        }
    }

    @Test
    void programmingErrorsAreInternalNotBadInput() {
        Run r = lopperWith(new Boom(), "boom");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("internal error") && r.err().contains("index 7 out of range"), r.err());
        assertTrue(r.err().contains("--verbose"), "hint to use --verbose: " + r.err());
        r = lopperWith(new Boom(), "boom", "--bad-input");
        assertEquals(2, r.code(), r.err());
        assertEquals("lopper: some.file: is broken", r.err().strip());
        r = lopperWith(new Boom(), "boom", "--verbose");
        assertTrue(r.err().contains("\tat dev.lopper."), "stack trace with --verbose: " + r.err());
    }
}
