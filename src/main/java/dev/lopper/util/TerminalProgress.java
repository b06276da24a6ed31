package dev.lopper.util;

import dev.lopper.Setting;

import java.io.PrintStream;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Draws a one-line progress bar with rate and ETA, redrawn in place with '\r'. A label
 * "job | detail" is one job whose detail changes (rate and ETA run on). When the stream is not
 * a terminal (a log, a pipe) no bar is drawn: a job that runs longer than a minute gets one
 * plain line a minute (the same text) and one when it ends, so a long run's log says how far it
 * is and what is left, and a short one stays silent.
 */
public final class TerminalProgress implements ProgressListener {
    private static final int BAR_WIDTH = 30;
    /** Redraw at most this often; drawing every update would cost more than the work on fast jobs. */
    private static final long REDRAW_NANOS = 100_000_000L;
    /** Not a terminal: a line at most this often, the first after the job has run this long. */
    static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private final PrintStream out;
    private final boolean enabled;
    private final LongSupplier nanoTime;
    /** How a notice names a setting it mentions ({@link Setting#mention()}): the CLI's option names. */
    private final Function<Setting, String> names;
    private String currentJob;
    private long jobStartNanos;
    private long lastDrawNanos;
    private int lastLineLength;
    private boolean loggedThisJob;

    public TerminalProgress(PrintStream out, boolean isTerminal) {
        this(out, isTerminal, Setting::words);
    }

    /** {@code names} names the settings a notice mentions (the CLI passes its option names). */
    public TerminalProgress(PrintStream out, boolean isTerminal, Function<Setting, String> names) {
        this(out, isTerminal, System::nanoTime, names);
    }

    TerminalProgress(PrintStream out, boolean isTerminal, LongSupplier nanoTime) {
        this(out, isTerminal, nanoTime, Setting::words);
    }

    private TerminalProgress(PrintStream out, boolean isTerminal, LongSupplier nanoTime, Function<Setting, String> names) {
        this.out = out;
        this.enabled = isTerminal;
        this.nanoTime = nanoTime;
        this.names = names;
    }

    /** Whether stderr is a terminal: env LOPPER_TTY=1/0 decides when set, else the JVM's console. */
    public static boolean stderrIsTerminal(Map<String, String> env) {
        String forced = env.get("LOPPER_TTY");
        if ("1".equals(forced)) return true;
        if ("0".equals(forced)) return false;
        return System.console() != null;
    }

    /** Printed whether or not the stream is a terminal (a log keeps it), below any bar being drawn. */
    @Override
    public synchronized void notice(String line) {
        if (lastLineLength > 0) {
            out.println();
            lastLineLength = 0;
            currentJob = null;
        }
        out.println(Setting.render(line, names));
        out.flush();
    }

    @Override
    public synchronized void update(long done, long total, String what) {
        if (!enabled) {
            log(done, total, what);
            return;
        }
        long now = nanoTime.getAsLong();
        if (startsJob(what, now)) lastDrawNanos = 0;
        boolean finished = total > 0 && done >= total;
        if (!finished && lastDrawNanos != 0 && now - lastDrawNanos < REDRAW_NANOS) return;
        lastDrawNanos = now;
        String line = render(done, total, what, (now - jobStartNanos) / 1e9);
        // Pad with spaces so a shorter line fully covers the previous one.
        String padded = line + " ".repeat(Math.max(0, lastLineLength - line.length()));
        lastLineLength = line.length();
        out.print("\r" + padded);
        if (finished) {
            out.println();
            lastLineLength = 0;
            currentJob = null;
        }
        out.flush();
    }

    /** Not a terminal: a plain line a minute into a job and each minute after, and one at its end if it had one. */
    private void log(long done, long total, String what) {
        long now = nanoTime.getAsLong();
        if (startsJob(what, now)) {
            lastDrawNanos = now;
            loggedThisJob = false;
        }
        boolean finished = total > 0 && done >= total;
        if (now - lastDrawNanos >= LOG_EVERY_NANOS || (finished && loggedThisJob)) {
            lastDrawNanos = now;
            loggedThisJob = true;
            out.println(render(done, total, what, (now - jobStartNanos) / 1e9));
            out.flush();
        }
        if (finished) currentJob = null;
    }

    /**
     * Whether {@code what} starts another job than the current one (then its clock starts now).
     * "job | detail": the detail (a step's loss, say) changes without starting a new job.
     */
    private boolean startsJob(String what, long now) {
        int bar = what.indexOf(" | ");
        String job = bar < 0 ? what : what.substring(0, bar);
        if (job.equals(currentJob)) return false;
        currentJob = job;
        jobStartNanos = now;
        return true;
    }

    static String render(long done, long total, String what, double elapsedSeconds) {
        double fraction = total > 0 ? Math.min(1.0, (double) done / total) : 0.0;
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        double rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0.0;
        String eta = rate > 0 && total > done ? formatDuration((total - done) / rate) : "--:--";
        return String.format("%s [%s%s] %3d%% %d/%d %.1f/s ETA %s",
                what, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled),
                Math.round(fraction * 100), done, total, rate, eta);
    }

    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format("%02d:%02d", s / 60, s % 60);
    }
}
