package dev.lopper.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool for compute kernels. Work is split into contiguous index ranges, one
 * task per range, so a kernel sees large chunks and no per-element overhead.
 */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("lopper.threads",
            Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    private Parallel() {}

    public static int threads() { return THREADS; }

    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /** Runs body over [0, n) split into about {@code threads * 4} ranges of at least {@code grain}. */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.max(1, Math.min(THREADS * 4, n / Math.max(1, grain)));
        if (POOL == null || chunks == 1 || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new Split(body, 0, n, (n + chunks - 1) / chunks));
    }

    /**
     * Waking the pool's threads costs about as much as a few million floating-point operations
     * (measured: decode of a 10M-parameter model ran 2.5x slower with every small GEMV split).
     */
    static final long MIN_PARALLEL_FLOPS = Long.getLong("lopper.minParallelFlops", 4_000_000L);

    /** {@link #forRange}, but inline on the calling thread when the whole job is smaller than that. */
    public static void forWork(long flops, int n, int grain, RangeBody body) {
        if (flops < MIN_PARALLEL_FLOPS) {
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
