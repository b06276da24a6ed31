package dev.lopper.cli;

import dev.lopper.BadInputException;
import dev.lopper.pipeline.Method;
import dev.lopper.pipeline.PruneOptions;
import dev.lopper.io.PruningRecord;
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
                checked++;
            }
        }
        assertTrue(checked > 40, "checked " + checked + " options");
    }

    /** The options each command requires, so that it parses; the rest keep their defaults. */
    private static final Map<String, List<String>> REQUIRED = Map.of(
            "info", List.of("--model", "m"), "generate", List.of("--model", "m", "--prompt", "p"),
            "eval", List.of("--model", "m"), "prune", List.of("--model", "m", "--out", "o"),
            "search", List.of("--model", "m"), "export", List.of("--model", "m", "--format", "hf", "--out", "o"),
            "bench", List.of("--model", "m"), "demo", List.of());

    /**
     * The default --help shows for an option (${DEFAULT-VALUE}) is the value the command holds when
     * the option is not given: an alias setter, a field initialiser or a converter that disagreed
     * with the annotation's default would make --help lie.
     */
    @Test
    void theDefaultHelpShowsIsTheValueAnOptionHoldsWhenNotGiven() {
        int checked = 0;
        for (String cmd : REQUIRED.keySet()) {
            CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
            List<String> args = new ArrayList<>(List.of(cmd));
            args.addAll(REQUIRED.get(cmd));
            CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
            for (OptionSpec o : parsed.subcommand().commandSpec().options()) {
                if (o.hidden() || !rawDescription(o).contains("${DEFAULT-VALUE}")) continue;
                String shown = o.defaultValueString();
                assertTrue(String.join(" ", o.description()).contains("default " + shown), cmd + " " + o.longestName()
                        + " does not show its default " + shown + ": " + String.join(" ", o.description()));
                Object held = o.getValue();
                String where = cmd + " " + o.longestName() + ": --help says " + shown + ", the command holds " + held;
                if (held instanceof Float f) assertEquals(Float.parseFloat(shown), f, 0.0f, where);
                else if (held instanceof Number n) assertEquals(Double.parseDouble(shown), n.doubleValue(), 0.0, where);
                else assertEquals(shown, String.valueOf(held), where);
                checked++;
            }
        }
        assertTrue(checked > 40, "checked " + checked + " options");
    }

    /** The description as annotated, before picocli fills in its variables. */
    private static String rawDescription(OptionSpec o) {
        if (!(o.userObject() instanceof java.lang.reflect.AnnotatedElement e)) return "";
        CommandLine.Option a = e.getAnnotation(CommandLine.Option.class);
        return a == null ? "" : String.join(" ", a.description());
    }

    /** Every fixed-choice option of every command (an enum, or --fusion), found from the commands themselves. */
    static List<org.junit.jupiter.params.provider.Arguments> choiceOptions() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
        for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                List<String> candidates;
                if (o.type().isEnum()) {
                    candidates = new ArrayList<>();
                    for (Object c : o.type().getEnumConstants()) candidates.add(c.toString());
                } else if (o.type() == dev.lopper.importance.hywia.FusionOptions.Blend.class) {
                    candidates = List.of("learned", "fine", "coarse", "fixed:A");
                } else continue;
                out.add(org.junit.jupiter.params.provider.Arguments.of(e.getKey(), o.longestName(), candidates));
            }
        }
        return out;
    }

    @Test
    void everyFixedChoiceOptionIsFound() {
        List<String> found = choiceOptions().stream().map(a -> a.get()[0] + " " + a.get()[1]).toList();
        for (String expected : List.of("prune --method", "prune --criterion", "prune --allocation", "prune --modules",
                "prune --fusion", "prune --fusion-norm", "prune --operator", "prune --fitness", "search --operator",
                "search --fitness", "search --criterion", "demo --method", "export --format", "export --dtype",
                "info --position", "generate --position"))
            assertTrue(found.contains(expected), expected + " is not an enum option: " + found);
    }

    /** A value that is none of the choices: exit 2, one line naming the option and every candidate, with a suggestion. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.MethodSource("choiceOptions")
    void aBadChoiceListsTheCandidatesAndExitsTwo(String cmd, String option, List<String> candidates) {
        Run r = lopper(cmd, option, "zzz-nonsense");
        assertEquals(2, r.code(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line:\n" + r.err());
        String name = option.substring(2);
        assertTrue(line.startsWith("lopper: unknown " + name + " 'zzz-nonsense'; choose one of "
                + String.join(", ", candidates)), line);
        // A near miss is named: the first candidate with its last character dropped.
        String first = candidates.getFirst(), near = first.substring(0, first.length() - 1);
        r = lopper(cmd, option, near.equals("fixed:") ? "fixed:x" : near);
        assertEquals(2, r.code(), r.err());
        if (!near.startsWith("fixed")) assertTrue(r.err().strip().endsWith("did you mean " + first + "?"), r.err());
    }

    @Test
    void theIssuesExampleReadsAsWritten() {
        Run r = lopper("prune", "--model", "m", "--out", "o", "--criterion", "wanda");
        assertEquals(2, r.code());
        assertEquals("lopper: unknown criterion 'wanda'; choose one of random, l1, l2, wanda-sp, flap, taylor-vector, "
                + "taylor-element, hywia; did you mean wanda-sp?", r.err().strip());
    }

    /** prune's --help in sections with headings, in this order; search's has no option search does not read. */
    @Test
    void pruneHelpIsInSectionsAndSearchHelpShowsOnlyWhatSearchReads() {
        String prune = lopper("prune", "--help").out();
        int at = -1;
        for (String heading : List.of("Model, output and general:", "What to prune:", "Allocation (how", "Calibration:",
                "HyWIA (--criterion hywia or --method hywia):", "Search (lopper search", "Presets (--method)")) {
            int i = prune.indexOf("\n" + heading);
            assertTrue(i > at, "prune --help: '" + heading + "' missing or out of order:\n" + prune);
            at = i;
        }
        assertTrue(prune.indexOf("--criterion=") > prune.indexOf("What to prune:")
                && prune.indexOf("--criterion=") < prune.indexOf("Allocation (how"), "--criterion under What to prune");
        assertTrue(prune.indexOf("--fusion-steps=") > prune.indexOf("HyWIA (--criterion hywia or")
                && prune.indexOf("--fusion-steps=") < prune.indexOf("Search (lopper search"), "--fusion-steps under HyWIA");
        assertTrue(prune.indexOf("--calib-len=") > prune.indexOf("Calibration:")
                && prune.indexOf("--calib-len=") < prune.indexOf("HyWIA (--criterion hywia or"), "--calib-len under Calibration");

        String search = lopper("search", "--help").out();
        for (String ignored : List.of("--allocation", "--rates", "--round-to", "--bias-compensation", "--fusion",
                "--report", "--search-out"))
            assertFalse(search.matches("(?s).*\\n\\s+" + Pattern.quote(ignored) + "[=\\s].*"),
                    "search --help shows " + ignored + ", which search does not read:\n" + search);
        for (String used : List.of("--criterion", "--calib", "--operator", "--population", "--resume"))
            assertTrue(search.contains(used), "search --help lacks " + used);
        assertEquals(2, lopper("search", "--model", "m", "--out", "o", "--round-to", "8").code(),
                "an option search does not read is refused, not ignored");
    }

    /** Placeholders are explicit and upper case (no picocli <field> labels); descriptions are whole sentences. */
    @Test
    void uniformPlaceholdersAndWholeSentences() {
        CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
        for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            String help = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertFalse(help.contains("=<"), e.getKey() + " has a <field> placeholder:\n" + help);
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (o.hidden() || o.arity().max() == 0) continue;
                assertTrue(o.paramLabel().matches("[A-Z0-9_|:.,\\[\\]]+|learned\\|fine\\|coarse\\|fixed:A"),
                        e.getKey() + " " + o.longestName() + ": placeholder " + o.paramLabel());
            }
            for (String line : e.getValue().getCommandSpec().usageMessage().description()) {
                if (line.startsWith("Example:")) continue;
                assertTrue(line.endsWith(".") || line.endsWith(":"),
                        e.getKey() + ": a description line that stops mid-sentence: " + line);
            }
        }
    }

    /** Every key a lower stage may name in an error is set by an option some command has. */
    @Test
    void everySettingMapsToARealOption() {
        CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
        java.util.Set<String> options = new java.util.HashSet<>();
        for (CommandLine c : cli.getSubcommands().values())
            for (OptionSpec o : c.getCommandSpec().options()) options.addAll(List.of(o.names()));
        for (dev.lopper.Setting s : dev.lopper.Setting.values())
            for (String name : OptionNames.of(s).split(" \\+ "))
                assertTrue(options.contains(name), s + " maps to " + name + ", which no command has");
    }

    /** A setting's error from a lower stage reaches the user with the option's name, one line, exit 2. */
    @Test
    void aSettingsErrorNamesTheOption() {
        Run r = lopperWith(new SettingBoom(), "setting-boom");
        assertEquals(2, r.code(), r.err());
        assertEquals("lopper: --fusion-steps must be at least 1, not 0", r.err().strip());
        assertEquals("fusion steps must be at least 1, not 0",
                new dev.lopper.BadSettingException(dev.lopper.Setting.FUSION_STEPS, "must be at least 1, not 0").getMessage(),
                "outside the CLI the message names the setting in words");
    }

    @picocli.CommandLine.Command(name = "setting-boom")
    static final class SettingBoom implements Runnable {
        @Override
        public void run() {
            dev.lopper.importance.hywia.FusionOptions.DEFAULT.toBuilder().steps(0).build();
        }
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
        // Report folders are --report everywhere; --out is only what a command makes: prune's model folder,
        // export's file, search's run folder (the issue's `lopper search ... --out RUN_DIR`), recover's model folder.
        assertTrue(visible.get("eval").contains("--report") && visible.get("bench").contains("--report")
                && visible.get("demo").contains("--report"));
        visible.forEach((cmd, names) -> assertEquals(cmd.equals("prune") || cmd.equals("export") || cmd.equals("search")
                || cmd.equals("recover"),
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
        assertEquals(3, ((PruneCommand) p.subcommand().commandSpec().userObject()).choices.calib.samples);
        p = cli.parseArgs("demo", "--out", "r");
        assertEquals(Path.of("r"), ((DemoCommand) p.subcommand().commandSpec().userObject()).out);
    }

    @Test
    void presetsAreDescribedInHelp() {
        for (String cmd : List.of("prune", "demo")) {
            Run r = lopper(cmd, "--help");
            assertEquals(0, r.code());
            for (Method m : Method.values()) {
                PruneOptions p = PruneOptions.preset(m, 0.2);
                Matcher line = Pattern.compile("(?m)^\\s+" + Pattern.quote(m.toString()) + "\\s+(.*)$").matcher(r.out());
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
