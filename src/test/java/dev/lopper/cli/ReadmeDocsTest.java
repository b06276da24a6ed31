package dev.lopper.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README as a front page and the docs it points to: the two commands come first, the
 * commands table names exactly the CLI's commands, the page stays short, every relative link in
 * the README and docs/ leads to a file that exists, and the generated result tables in
 * docs/results/ are what their results/ JSON gives ({@code bench/table --check}).
 */
class ReadmeDocsTest {
    static final Path README = Path.of("README.md");
    static final Path DOCS = Path.of("docs");
    /** The issue's bound for a front page. */
    static final int MAX_README_LINES = 250;

    @Test
    void readmeStartsWithTheTwoCommandsThatWorkOnAFreshMachine() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int fence = lines.indexOf("```bash");
        assertTrue(fence >= 0 && fence < 10, "a bash block near the top");
        assertTrue(lines.get(fence + 1).startsWith("./lopper demo "), lines.get(fence + 1));
        assertTrue(lines.get(fence + 2).startsWith("./run-tests "), lines.get(fence + 2));
        assertEquals("```", lines.get(fence + 3));
    }

    @Test
    void readmeIsAFrontPage() throws IOException {
        int n = Files.readAllLines(README).size();
        assertTrue(n <= MAX_README_LINES, "README.md has " + n + " lines; move detail to docs/");
    }

    /** The commands table's first column names every command of `lopper`, and nothing else. */
    @Test
    void commandsTableNamesExactlyTheCliCommands() throws IOException {
        Set<String> inTable = new TreeSet<>();
        Pattern row = Pattern.compile("^\\| `lopper (\\w[\\w-]*)[ `]");
        for (String line : Files.readAllLines(README)) {
            Matcher m = row.matcher(line);
            if (m.find()) inTable.add(m.group(1));
        }
        CommandLine cli = Main.commandLine(new PrintWriter(new StringWriter()));
        Set<String> commands = new TreeSet<>(cli.getSubcommands().keySet());
        commands.remove("help");
        assertEquals(commands, inTable, "README's commands table vs `lopper`'s commands");
    }

    /** Every relative Markdown link in README.md and docs/ (anchors aside) names an existing file or folder. */
    @Test
    void relativeLinksResolve() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(README));
        try (Stream<Path> s = Files.walk(DOCS)) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertTrue(pages.size() >= 5, "docs pages: " + pages);
        Pattern link = Pattern.compile("\\]\\(([^)\\s]+)\\)");
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*") || target.startsWith("#")) continue;   // http:, mailto:, anchors
                int hash = target.indexOf('#');
                if (hash >= 0) target = target.substring(0, hash);
                Path resolved = page.toAbsolutePath().getParent().resolve(target).normalize();
                checked++;
                if (!Files.exists(resolved)) broken.add(page + " → " + m.group(1));
            }
        }
        assertTrue(checked >= 20, "checked " + checked + " links");
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    /** The generated tables of docs/results/ are byte for byte what bench/table renders from results/ JSON. */
    @Test
    void generatedResultTablesMatchTheirJson() throws Exception {
        Assumptions.assumeTrue(onPath("python3") || "true".equals(System.getenv("CI")),
                "python3 is not on PATH: bench/table --check skipped");
        Process p = new ProcessBuilder("python3", "bench/table", "--check").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bench/table --check did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("same as results/criteria") && out.contains("same as results/hywia")
                && out.contains("same as results/search"), out);
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator))
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        return false;
    }
}
