package dev.lopper.util;

import java.util.ArrayList;
import java.util.List;

/**
 * Wall time, bytes read from storage and resident memory of a run's stages, measured one after
 * the other: each {@link #end} closes the stage that began at the previous one (or at
 * construction). {@code peakRssBytes} is the process's peak resident set up to the stage's end
 * (it only grows: the stage where it rises is where memory went); {@code rssBytes} the resident
 * set at its end; {@code gemmFlops} the floating-point operations the linear layers' products did in
 * it (the counter it is given: {@code tensor.Gemm::flopsDone}), so flops / seconds is the GEMM rate the
 * stage reached.
 * For {@code --json} and docs/scale.md.
 */
public final class StageMeter {
    /**
     * {@code cpuSeconds}: CPU time (user + system, all threads) the process spent in the stage, -1
     * when unknown; on a shared machine the steadier figure than {@code seconds}.
     */
    public record Stage(String name, double seconds, double cpuSeconds, long readBytes, long peakRssBytes, long rssBytes,
                        long gemmFlops) {}

    private final List<Stage> stages = new ArrayList<>();
    private final java.util.function.LongSupplier flopsDone;
    private long t0 = System.nanoTime();
    private long cpu0 = cpuNanos();
    private long read0 = ProcessMemory.readBytes();
    private long flops0;

    /** A meter whose stages start now; {@code flopsDone} counts the GEMM operations done so far. */
    public StageMeter(java.util.function.LongSupplier flopsDone) {
        this.flopsDone = flopsDone;
        flops0 = flopsDone.getAsLong();
    }

    /** Ends the current stage under {@code name} and starts the next. */
    public synchronized Stage end(String name) {
        long t = System.nanoTime(), cpu = cpuNanos(), read = ProcessMemory.readBytes(),
                flops = flopsDone.getAsLong();
        Stage s = new Stage(name, (t - t0) / 1e9, cpu < 0 || cpu0 < 0 ? -1 : (cpu - cpu0) / 1e9,
                read < 0 || read0 < 0 ? -1 : read - read0, ProcessMemory.peakRss(), ProcessMemory.rss(), flops - flops0);
        stages.add(s);
        t0 = t;
        cpu0 = cpu;
        read0 = read;
        flops0 = flops;
        return s;
    }

    /** Forgets the time and reads since the last end (work that belongs to no stage). */
    public synchronized void skip() {
        t0 = System.nanoTime();
        cpu0 = cpuNanos();
        read0 = ProcessMemory.readBytes();
        flops0 = flopsDone.getAsLong();
    }

    /** The process's CPU time so far in nanoseconds, -1 when the platform does not say. */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    public synchronized List<Stage> stages() { return List.copyOf(stages); }

    /** "stages: load 0.1 s, calibration 41.0 s (read 1.9 GB) (GEMM 180 GFLOP/s), ...; peak RSS 2.4 GB" for a run's summary. */
    public static String summary(List<Stage> stages) {
        StringBuilder b = new StringBuilder("stages:");
        long peak = -1;
        for (Stage s : stages) {
            b.append(b.length() > 7 ? ", " : " ").append(s.name()).append(String.format(" %.1f s", s.seconds()));
            if (s.readBytes() > 0) b.append(String.format(" (read %.2f GB)", s.readBytes() / 1e9));
            if (s.gemmFlops() > 1e10 && s.seconds() > 0)
                b.append(String.format(" (GEMM %.0f GFLOP/s)", s.gemmFlops() / 1e9 / s.seconds()));
            peak = Math.max(peak, s.peakRssBytes());
        }
        if (peak > 0) b.append(String.format("; peak RSS %.2f GB", peak / 1e9));
        return b.toString();
    }
}
