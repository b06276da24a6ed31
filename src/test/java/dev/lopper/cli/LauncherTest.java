package dev.lopper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The {@code ./lopper} launcher script, run as a user runs it (bash, a separate JVM), with the
 * test's compiled classes instead of the jar ({@code LOPPER_CLASSPATH}) so no build happens here.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    /** The classes and libraries of this test run, for LOPPER_CLASSPATH. */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    static ProcessBuilder launcher(Path repo, List<String> args, Map<String, String> env) {
        List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("lopper").toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("LOPPER_TTY");
        pb.environment().remove("LOPPER_DATA");
        pb.environment().put("LOPPER_CLASSPATH", classPath());
        pb.environment().putAll(env);
        return pb;
    }

    /** One chunk of stderr as it arrived, with the time and whether the process was still running. */
    record Chunk(long nanos, String text, boolean processAlive) {}

    /** Reads a stream as it arrives, chunk by chunk (no line buffering). */
    static List<Chunk> readChunks(Process p, InputStream in) throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            chunks.add(new Chunk(System.nanoTime(), new String(buf, 0, n, StandardCharsets.UTF_8), p.isAlive()));
        }
        return chunks;
    }

    private Path text() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append("The old house on the hill had ").append(i % 17).append(" windows and a garden of roses. ");
            if (i % 9 == 8) sb.append("\n\n");
        }
        Path f = tmp.resolve("text.txt");
        Files.writeString(f, sb);
        return f;
    }

    @Test
    void progressBarRedrawsArriveWhileTheCommandRuns() throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        List<String> args = List.of("eval", "--model", "models/tiny-llama-gqa-8m", "--ppl", text().toString(),
                "--max-windows", "48", "--batch", "4");
        Process p = launcher(repo, args, Map.of("LOPPER_TTY", "1")).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<Chunk> chunks = readChunks(p, p.getErrorStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String all = String.join("", chunks.stream().map(Chunk::text).toList());
        assertEquals(0, p.exitValue(), all);
        assertFalse(all.contains("incubator"), "the JVM's incubator notice is filtered out:\n" + all);

        // The first partial redraw ('\r' + a bar below 100%) and the bar's end must come in separate
        // reads, the first while the JVM still runs: a line filter delivers the whole bar at once.
        int firstPartial = -1, finished = -1;
        for (int i = 0; i < chunks.size(); i++) {
            String t = chunks.get(i).text();
            if (firstPartial < 0 && t.contains("\r") && t.matches("(?s).*\\[[#.]*\\.\\].*")) firstPartial = i;
            if (t.contains("100%")) finished = i;
        }
        assertTrue(firstPartial >= 0, "no partial progress bar on stderr:\n" + all.replace("\r", "\\r\n"));
        assertTrue(finished > firstPartial, "partial redraws arrived together with the finished bar: "
                + chunks.size() + " chunks\n" + all.replace("\r", "\\r\n"));
        assertTrue(chunks.get(firstPartial).processAlive(), "the first redraw arrived only after the command ended");
        double gapMs = (chunks.get(finished).nanos() - chunks.get(firstPartial).nanos()) / 1e6;
        assertTrue(gapMs > 20, "first redraw and finished bar arrived " + gapMs + " ms apart: held back");
    }

    @Test
    void noBarsWhenStderrIsNotATerminal() throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        List<String> args = List.of("eval", "--model", "models/tiny-llama-gqa-8m", "--ppl", text().toString(),
                "--max-windows", "8");
        Process p = launcher(repo, args, Map.of()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        p.getErrorStream().transferTo(err);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err.toString());
        assertEquals("", err.toString(StandardCharsets.UTF_8), "stderr is a pipe here: no bars, no JVM notice");
    }
}
