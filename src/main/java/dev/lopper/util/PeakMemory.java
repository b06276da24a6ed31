package dev.lopper.util;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's peak memory so far. On Linux the peak resident set (VmHWM), which counts the
 * touched pages of memory-mapped weights as well as the Java heap; elsewhere the sum of the
 * heap pools' peaks (an upper bound on the heap's peak, blind to mapped files).
 */
public final class PeakMemory {
    private PeakMemory() {}

    public record Reading(long bytes, String source) {}

    public static Reading read() {
        Long rss = vmHwm(Path.of("/proc/self/status"));
        if (rss != null) return new Reading(rss, "VmHWM (peak resident set)");
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP) heap += pool.getPeakUsage().getUsed();
        return new Reading(heap, "sum of Java heap pool peaks");
    }

    static Long vmHwm(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;    // reported in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: fall back to the heap pools
        }
        return null;
    }
}
