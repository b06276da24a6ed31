package dev.lopper.util;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * The process's peak memory so far. On Linux the peak resident set (VmHWM), which counts the
 * touched pages of memory-mapped weights as well as the Java heap; elsewhere the sum of the
 * heap pools' peaks (an upper bound on the heap's peak, blind to mapped files).
 */
public final class PeakMemory {
    private PeakMemory() {}

    public record Reading(long bytes, String source) {}

    public static Reading read() {
        long rss = dev.lopper.util.ProcessMemory.peakRss();
        if (rss >= 0) return new Reading(rss, "VmHWM (peak resident set)");
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP) heap += pool.getPeakUsage().getUsed();
        return new Reading(heap, "sum of Java heap pool peaks");
    }
}
