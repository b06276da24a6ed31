package dev.lopper.util;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux says about this process and machine: peak and current resident set (VmHWM, VmRSS
 * in /proc/self/status: mapped file pages included), bytes this process made the kernel read
 * from storage (read_bytes in /proc/self/io: page-cache misses, not reads served from the cache),
 * and the machine's total and available memory (/proc/meminfo). -1 where a figure is not known
 * (another OS, a hardened /proc).
 */
public final class ProcessMemory {
    private ProcessMemory() {}

    public static long peakRss() { return statusKb("VmHWM:"); }

    public static long rss() { return statusKb("VmRSS:"); }

    public static long readBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io")))
                if (line.startsWith("read_bytes:")) return Long.parseLong(line.substring(11).trim());
        } catch (IOException | RuntimeException e) {
            // not Linux or not readable
        }
        return -1;
    }

    /** The machine's memory (MemTotal), or the JVM's view of it elsewhere. */
    public static long machineTotal() {
        long kb = meminfoKb("MemTotal:");
        if (kb >= 0) return kb;
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : -1;
    }

    /** Memory the kernel could give without swapping (MemAvailable). */
    public static long machineAvailable() {
        long kb = meminfoKb("MemAvailable:");
        if (kb >= 0) return kb;
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getFreeMemorySize() : -1;
    }

    private static long statusKb(String key) { return kb(Path.of("/proc/self/status"), key); }

    private static long meminfoKb(String key) { return kb(Path.of("/proc/meminfo"), key); }

    /** A "Key:   123 kB" line's value in bytes, or -1. */
    static long kb(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    String[] f = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format
        }
        return -1;
    }
}
