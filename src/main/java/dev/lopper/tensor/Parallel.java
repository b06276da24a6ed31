package dev.lopper.tensor;

import dev.lopper.BadInputException;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool for compute kernels. Work is split into contiguous index ranges, one
 * task per range, so a kernel sees large chunks and no per-element overhead.
 *
 * <p>The number of threads is {@code -Dlopper.threads=N}, else the environment variable
 * {@code LOPPER_THREADS}, else the number of processors. It changes only which thread computes
 * what, never a result: a kernel that reduces across ranges must combine fixed-size blocks in
 * index order (see {@link PackedGemm}), never one partial per task or per thread, so the same
 * inputs give the same bits with any thread count (DeterminismAcrossThreadsTest).
 */
public final class Parallel {
    private record Pool(int threads, ForkJoinPool pool, long minParallelFlops) {}

    /** Made on first use, so a bad LOPPER_THREADS is a BadInputException of that call, not a failed class. */
    private static volatile Pool current;

    private Parallel() {}

    private static Pool pool() {
        Pool p = current;
        if (p != null) return p;
        synchronized (Parallel.class) {
            if (current == null) current = create(initialThreads(), Long.getLong("lopper.minParallelFlops", 4_000_000L));
            return current;
        }
    }

    private static int initialThreads() {
        String prop = System.getProperty("lopper.threads");
        String env = System.getenv("LOPPER_THREADS");
        String name = prop != null ? "-Dlopper.threads" : "LOPPER_THREADS";
        String value = prop != null ? prop : env;
        if (value == null || value.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BadInputException(name + " must be a positive whole number of threads, not '" + value + "'");
    }

    private static Pool create(int threads, long minParallelFlops) {
        if (threads < 1) throw new IllegalArgumentException("threads must be positive, not " + threads);
        return new Pool(threads, threads > 1 ? new ForkJoinPool(threads) : null, minParallelFlops);
    }

    public static int threads() { return pool().threads; }

    /**
     * Replaces the pool: {@code threads} workers, and jobs under {@code minParallelFlops} run on the
     * calling thread. For tests and embedders; no kernel may be running meanwhile.
     */
    public static synchronized void configure(int threads, long minParallelFlops) {
        Pool old = current;
        current = create(threads, minParallelFlops);
        if (old != null && old.pool != null) old.pool.shutdown();
    }

    /** The settings this JVM started with ({@link #configure} undone). */
    public static synchronized void reset() {
        configure(initialThreads(), Long.getLong("lopper.minParallelFlops", 4_000_000L));
    }

    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Runs body over [0, n) split into about {@code threads * 4} ranges of at least {@code grain}. */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        Pool p = pool();
        int chunks = Math.max(1, Math.min(p.threads * 4, n / Math.max(1, grain)));
        if (p.pool == null || chunks == 1 || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        p.pool.invoke(new Split(body, 0, n, (n + chunks - 1) / chunks));
    }

    /**
     * Jobs smaller than this many floating-point operations run on the calling thread: waking the
     * pool's threads costs about as much as a few million (measured: decode of a 10M-parameter
     * model ran 2.5x slower with every small GEMV split). {@code -Dlopper.minParallelFlops}.
     */
    static long minParallelFlops() { return pool().minParallelFlops; }

    /** {@link #forRange}, but inline on the calling thread when the whole job is smaller than that. */
    public static void forWork(long flops, int n, int grain, RangeBody body) {
        if (flops < minParallelFlops()) {
            if (n > 0) body.run(0, n);
        } else {
            forRange(n, grain, body);
        }
    }

    /** Runs body(i) for i in [0, n), each index a task (for few, large pieces of work). */
    public static void forEach(int n, java.util.function.IntConsumer body) {
        forRange(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) body.accept(i);
        });
    }

    private static final class Split extends RecursiveAction {
        private final RangeBody body;
        private final int from, to, chunk;

        Split(RangeBody body, int from, int to, int chunk) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.chunk = chunk;
        }

        @Override
        protected void compute() {
            if (to - from <= chunk) {
                body.run(from, to);
                return;
            }
            int mid = from + Math.max(chunk, ((to - from) / 2 / chunk) * chunk);
            invokeAll(new Split(body, from, mid, chunk), new Split(body, mid, to, chunk));
        }
    }
}
