package dev.lopper.cli;

import dev.lopper.util.ProgressListener;

import java.io.PrintStream;

/**
 * A one-line progress bar with rate and ETA on stderr, redrawn at most 5 times a second; silent
 * when stderr is not a terminal (the launcher says so in LOPPER_TTY).
 */
final class TerminalProgress implements ProgressListener {
    private final PrintStream out;
    private long startNanos = -1;
    private long lastDraw;
    private String lastWhat;

    private TerminalProgress(PrintStream out) {
        this.out = out;
    }

    static ProgressListener forStderr() {
        String tty = System.getenv("LOPPER_TTY");
        boolean terminal = tty != null ? tty.equals("1")
                : System.console() != null && System.console().isTerminal();
        return terminal ? new TerminalProgress(System.err) : ProgressListener.NONE;
    }

    @Override
    public synchronized void update(long done, long total, String what) {
        long now = System.nanoTime();
        if (startNanos < 0 || !what.equals(lastWhat)) {
            startNanos = now;
            lastWhat = what;
        }
        boolean finished = done >= total;
        if (!finished && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        double secs = (now - startNanos) / 1e9;
        double rate = secs > 0 ? done / secs : 0;
        int width = 30;
        int filled = total > 0 ? (int) (width * Math.min(1.0, (double) done / total)) : 0;
        String eta = rate > 0 && !finished ? " ETA " + clock((total - done) / rate) : "";
        out.printf("\r[%s%s] %3d%% %d/%d %s, %.1f/s%s   ", "#".repeat(filled), "-".repeat(width - filled),
                total > 0 ? 100 * done / total : 0, done, total, what, rate, eta);
        if (finished) {
            out.printf(" %s%n", clock(secs));
            startNanos = -1;
        }
        out.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
