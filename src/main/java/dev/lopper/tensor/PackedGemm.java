package dev.lopper.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, register-blocked fp32 kernels behind {@link Gemm} (BLIS design).
 *
 * <p>Every product is computed as C[M,N] (+)= A[M,K]·B[K,N] by one driver, {@link #run}.
 * <ul>
 *   <li><b>Packing.</b> A is packed once per call, whole, into k-blocks of {@code KC} columns,
 *   each a run of MR-row micro-panels laid out [p][MR] (the buffer is the calling thread's and is
 *   reused). B is packed per task and per k-block into NR-column micro-panels laid out [p][NR];
 *   bf16/fp16 weights are widened to fp32 here, a block at a time, so a half-precision matrix is
 *   never widened whole. Transposition lives only in the packing routines: forward (x·Wᵀ) turns
 *   W rows into panel columns (rows widened into a small block, then vector gathers so the panel
 *   is written with contiguous stores), backward-to-input (dy·W) copies W row segments,
 *   backward-to-weight (dyᵀ·x) copies dy row segments into A panels.</li>
 *   <li><b>Microkernel.</b> A 12-row A panel times an NR = 2-vector B panel is computed as two
 *   6 × (2 vectors of 16) tiles of C, each in 12 vector registers: per k step a call loads two B
 *   vectors (from L1), broadcasts six A values and issues 12 FMAs. One 12 × 2 tile in 24
 *   registers ran as fast (xwT 512×4096·4096×11008: 301–324 vs 267–316 GFLOP/s, alternating JMH
 *   runs) but C2 needed 34 MB of compiler memory to compile it, against 12 MB for this one (a
 *   tenth of a small pruning run's RSS); an 8×3 tile reached only ≈80%. Edge tiles run the same
 *   kernel on zero-padded panels in a scratch tile.</li>
 *   <li><b>Loops and threads.</b> Tasks are column blocks of C of about {@code NC} (also row
 *   blocks when C is narrow), sized so each thread gets the same number of rounds. Per task:
 *   k-blocks of {@code KC} (pack the B block, ~L2), row blocks of {@code MC}, B micro-panels
 *   (kept in L1), A micro-panels (streamed from L2). The kernel always adds onto C, so
 *   {@code accumulate=false} zeroes each task's block of C first.</li>
 *   <li><b>Small m</b> skips packing. {@link #xwT}: m = 1 with bf16 W is a GEMV that streams W
 *   once and widens bf16 in registers; m ≤ {@code SMALL_M} (32, the measured crossover) streams
 *   W once, 4 rows at a time widened to fp32, dotting each against all x rows. {@link #xw}: m ≤
 *   {@code SMALL_M_XW} (12) splits the W rows into up to 16 fixed blocks, each streaming its rows once
 *   and axpy-ing into a private dx, the partials summed in block order at the end.</li>
 *   <li><b>Determinism.</b> Every element of C is summed over k in one fixed order: k-blocks in
 *   order, each by one microkernel call, whatever task owns the tile; tasks split only M and N.
 *   The one product that splits a sum ({@link #smallXw}) splits it into blocks that depend on the
 *   shape alone. So the thread count never changes a bit; the vector width ({@link Simd}) and the
 *   block sizes do.</li>
 * </ul>
 * Block sizes can be overridden with {@code -Dlopper.gemm.kc/mc/nc/smallm/smallmxw}.
 */
final class PackedGemm {
    private PackedGemm() {}

    static final VectorSpecies<Float> S = Simd.FLOAT;
    static final int L = S.length();
    private static final VectorSpecies<Short> SH =
            VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> SI =
            VectorSpecies.of(int.class, VectorShape.forBitSize(S.vectorBitSize()));
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int MR = 12;
    static final int NR = 2 * L;
    static final int KC = Integer.getInteger("lopper.gemm.kc", 256);
    static final int MC = Math.max(MR, Integer.getInteger("lopper.gemm.mc", 264) / MR * MR);
    static final int NC = Math.max(NR, Integer.getInteger("lopper.gemm.nc", 480) / NR * NR);
    static final int SMALL_M = Integer.getInteger("lopper.gemm.smallm", 32);
    static final int SMALL_M_XW = Integer.getInteger("lopper.gemm.smallmxw", 12);

    // ---------------------------------------------------------------- public products

    static void xwT(float[] x, int m, Matrix w, float[] y, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        if (m <= 0 || n == 0) return;
        if (m == 1 && w.dtype() == DType.BF16) {
            gemvBf16(x, w, y, accumulate);
            return;
        }
        if (m <= SMALL_M) {
            smallXwT(x, m, w, y, accumulate);
            return;
        }
        // A[i,p] = x[i*k + p]; B[p,j] = W[j, p]
        run(m, n, k, (i0, rows, p0, kc, dst, off) -> packRowsAsPanel(x, k, i0, rows, p0, kc, dst, off),
                (p0, kc, j0, cols, dst, off, scratch) -> packRowsAsColumns(w, j0, cols, p0, kc, dst, off, scratch),
                y, n, accumulate);
    }

    static void xw(float[] dy, int m, Matrix w, float[] dx, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        if (m <= 0 || k == 0) return;
        if (m <= SMALL_M_XW) {
            smallXw(dy, m, w, dx, accumulate);
            return;
        }
        // A[i,p] = dy[i*n + p]; B[p,j] = W[p, j]
        run(m, k, n, (i0, rows, p0, kc, dst, off) -> packRowsAsPanel(dy, n, i0, rows, p0, kc, dst, off),
                (p0, kc, j0, cols, dst, off, scratch) -> packRowSegments(w, p0, kc, j0, cols, dst, off),
                dx, k, accumulate);
    }

    static void atb(float[] dy, float[] x, int m, int n, int k, float[] dw, boolean accumulate) {
        if (n == 0 || k == 0) return;
        // A[i,p] = dy[p*n + i]; B[p,j] = x[p*k + j]
        run(n, k, m, (i0, rows, p0, kc, dst, off) -> packColumnsAsPanel(dy, n, i0, rows, p0, kc, dst, off),
                (p0, kc, j0, cols, dst, off, scratch) -> packArraySegments(x, k, p0, kc, j0, cols, dst, off),
                dw, k, accumulate);
    }

    // ---------------------------------------------------------------- driver

    @FunctionalInterface
    interface APack {
        /**
         * Packs rows [i0, i0+rows) × columns [p0, p0+kc) of A into dst[off..] as consecutive
         * MR-row panels, each [kc][MR]; the last one zero-padded.
         */
        void pack(int i0, int rows, int p0, int kc, float[] dst, int off);
    }

    @FunctionalInterface
    interface BPack {
        /**
         * Packs rows [p0, p0+kc) × columns [j0, j0+cols) of B into dst[off..] as consecutive
         * NR-column panels, each [kc][NR]; the last one zero-padded.
         */
        void pack(int p0, int kc, int j0, int cols, float[] dst, int off, float[] scratch);
    }

    private static final class Buffers {
        float[] b = new float[0];
        float[] scratch = new float[0];
        final float[] tile = new float[MR * NR];

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }

        float[] scratch(int size) {
            if (scratch.length < size) scratch = new float[size];
            return scratch;
        }
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);
    private static final ThreadLocal<Buffers> CALLER_A = ThreadLocal.withInitial(Buffers::new);

    /** C[M,N] (row stride ldc) (+)= A[M,K] · B[K,N]. */
    static void run(int M, int N, int K, APack packA, BPack packB, float[] c, int ldc, boolean accumulate) {
        if (M == 0 || N == 0) return;
        if (K == 0) {
            if (!accumulate) for (int i = 0; i < M; i++) Arrays.fill(c, i * ldc, i * ldc + N, 0f);
            return;
        }
        final int mPanels = (M + MR - 1) / MR;
        final int mPad = mPanels * MR;
        // Packed A is as large as A itself: reuse the calling thread's buffer instead of
        // allocating (and zeroing) tens of MB per call; packers overwrite every element.
        final float[] ap = CALLER_A.get().b(Math.multiplyExact(mPad, K));
        final int group = 8; // panels packed together: contiguous reads of up to 96 source values
        Parallel.forRange((mPanels + group - 1) / group, 1, (f, t) -> {
            for (int g = f; g < t; g++) {
                int ip = g * group, i0 = ip * MR, rows = Math.min(group * MR, M - i0);
                for (int p0 = 0; p0 < K; p0 += KC) {
                    int kc = Math.min(KC, K - p0);
                    packA.pack(i0, rows, p0, kc, ap, p0 * mPad + ip * MR * kc);
                }
            }
        });

        final int nPanels = (N + NR - 1) / NR;
        final int ncp = NC / NR;
        final int threads = Parallel.threads();
        int nBlocks = (nPanels + ncp - 1) / ncp;
        // Parallel.forRange runs at most threads*4 chunks: make every chunk the same number of
        // blocks and the blocks a multiple of the threads, so no thread gets an extra round.
        int unit = nBlocks > threads * 4 ? threads * 4 : threads;
        if (nBlocks >= threads) nBlocks = (nBlocks + unit - 1) / unit * unit;
        nBlocks = Math.min(nBlocks, nPanels);
        int mBlocks = 1;
        if (nBlocks < 2 * threads) mBlocks = Math.min(mPanels, (2 * threads + nBlocks - 1) / nBlocks);
        final int nb = nBlocks, mb = mBlocks;
        Parallel.forRange(nb * mb, 1, (f, t) -> {
            for (int task = f; task < t; task++) {
                int jb = task / mb, ib = task % mb;
                int pj0 = (int) ((long) jb * nPanels / nb), pj1 = (int) ((long) (jb + 1) * nPanels / nb);
                int pi0 = (int) ((long) ib * mPanels / mb), pi1 = (int) ((long) (ib + 1) * mPanels / mb);
                block(M, N, K, mPad, ap, packB, c, ldc, accumulate, pi0, pi1, pj0, pj1);
            }
        });
    }

    private static void block(int M, int N, int K, int mPad, float[] ap, BPack packB, float[] c, int ldc,
                              boolean accumulate, int pi0, int pi1, int pj0, int pj1) {
        Buffers buf = BUFFERS.get();
        int np = pj1 - pj0;
        float[] bp = buf.b(np * NR * Math.min(KC, K));
        float[] scratch = buf.scratch(NR * Math.min(KC, K));
        float[] tile = buf.tile;
        final int mcp = MC / MR;
        if (!accumulate) {      // the kernel always adds onto C
            int j0 = pj0 * NR, j1 = Math.min(N, pj1 * NR);
            for (int i = pi0 * MR, i1 = Math.min(M, pi1 * MR); i < i1; i++) Arrays.fill(c, i * ldc + j0, i * ldc + j1, 0f);
        }
        for (int p0 = 0; p0 < K; p0 += KC) {
            int kc = Math.min(KC, K - p0);
            packB.pack(p0, kc, pj0 * NR, Math.min(N, pj1 * NR) - pj0 * NR, bp, 0, scratch);
            int aBase = p0 * mPad;
            for (int ic = pi0; ic < pi1; ic += mcp) {
                int icEnd = Math.min(pi1, ic + mcp);
                for (int jp = pj0; jp < pj1; jp++) {
                    int j0 = jp * NR, cols = Math.min(NR, N - j0);
                    int bOff = (jp - pj0) * NR * kc;
                    for (int ip = ic; ip < icEnd; ip++) {
                        int i0 = ip * MR, rows = Math.min(MR, M - i0);
                        int aOff = aBase + ip * MR * kc;
                        if (rows == MR && cols == NR) {
                            micro(ap, aOff, bp, bOff, kc, c, i0 * ldc + j0, ldc);
                            micro(ap, aOff + 6, bp, bOff, kc, c, (i0 + 6) * ldc + j0, ldc);
                        } else {        // edge tile: run the kernel on a full-size copy
                            for (int r = 0; r < rows; r++) System.arraycopy(c, (i0 + r) * ldc + j0, tile, r * NR, cols);
                            micro(ap, aOff, bp, bOff, kc, tile, 0, NR);
                            micro(ap, aOff + 6, bp, bOff, kc, tile, 6 * NR, NR);
                            for (int r = 0; r < rows; r++) System.arraycopy(tile, r * NR, c, (i0 + r) * ldc + j0, cols);
                        }
                    }
                }
            }
        }
    }

    /**
     * C[6 x NR] += Ap[kc][rows r0..r0+5 of MR] · Bp[kc][NR], the accumulators starting from C; a
     * 12-row panel takes two calls. Half of the 12-row tile keeps C2's graph of this method (and
     * the compiler memory for it) small.
     */
    static void micro(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + L);
        FloatVector c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + L);
        FloatVector c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc), c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bo = bOff + p * NR, ao = aOff + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ao]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
        }
        c00.intoArray(c, cOff); c01.intoArray(c, cOff + L);
        c10.intoArray(c, cOff + ldc); c11.intoArray(c, cOff + ldc + L);
        c20.intoArray(c, cOff + 2 * ldc); c21.intoArray(c, cOff + 2 * ldc + L);
        c30.intoArray(c, cOff + 3 * ldc); c31.intoArray(c, cOff + 3 * ldc + L);
        c40.intoArray(c, cOff + 4 * ldc); c41.intoArray(c, cOff + 4 * ldc + L);
        c50.intoArray(c, cOff + 5 * ldc); c51.intoArray(c, cOff + 5 * ldc + L);
    }

    // ---------------------------------------------------------------- packing

    /** A[i,p] = a[i*ld + p]: each row of a is read contiguously and scattered down its panel. */
    private static void packRowsAsPanel(float[] a, int ld, int i0, int rows, int p0, int kc, float[] dst, int off) {
        int padded = (rows + MR - 1) / MR * MR;
        for (int r = 0; r < padded; r++) {
            int d = off + (r / MR) * MR * kc + r % MR;
            if (r < rows) {
                int src = (i0 + r) * ld + p0;
                for (int p = 0; p < kc; p++) dst[d + p * MR] = a[src + p];
            } else {
                for (int p = 0; p < kc; p++) dst[d + p * MR] = 0f;
            }
        }
    }

    /** A[i,p] = a[p*ld + i]: row p of a is read contiguously, MR values into each panel. */
    private static void packColumnsAsPanel(float[] a, int ld, int i0, int rows, int p0, int kc, float[] dst, int off) {
        int panels = (rows + MR - 1) / MR;
        for (int p = 0; p < kc; p++) {
            int src = (p0 + p) * ld + i0;
            for (int q = 0; q < panels; q++) {
                int d = off + q * MR * kc + p * MR, n = Math.min(MR, rows - q * MR);
                System.arraycopy(a, src + q * MR, dst, d, n);
                for (int r = n; r < MR; r++) dst[d + r] = 0f;
            }
        }
    }

    /**
     * B[p,j] = W[j,p]. Per NR-column panel: the W row segments are widened into scratch, then
     * transposed by gathering one value per row for each p, so the packed panel is written with
     * contiguous vector stores.
     */
    private static void packRowsAsColumns(Matrix w, int j0, int cols, int p0, int kc, float[] dst, int off,
                                          float[] scratch) {
        int k = w.cols();
        int[] idx = new int[L];
        for (int q = 0; q * NR < cols; q++) {
            int c0 = q * NR, n = Math.min(NR, cols - c0), d = off + q * NR * kc;
            // rows first into a small contiguous block (also for fp32: gathering at stride k
            // touches a page per lane), then gather at stride kc
            for (int jj = 0; jj < n; jj++) widen(w, (long) (j0 + c0 + jj) * k + p0, scratch, jj * kc, kc);
            float[] src = scratch;
            int base = 0, stride = kc;
            for (int l = 0; l < L; l++) idx[l] = l * stride;
            for (int g = 0; g < NR; g += L) {
                int rows = Math.min(L, n - g);
                if (rows == L) {
                    int b = base + g * stride;
                    for (int p = 0; p < kc; p++) FloatVector.fromArray(S, src, b + p, idx, 0).intoArray(dst, d + p * NR + g);
                } else {
                    for (int p = 0; p < kc; p++) {
                        int at = d + p * NR + g;
                        for (int r = 0; r < L; r++) dst[at + r] = r < rows ? src[base + (g + r) * stride + p] : 0f;
                    }
                }
            }
        }
    }

    /** B[p,j] = W[p,j]: row p of W is read (widened) contiguously, NR values into each panel. */
    private static void packRowSegments(Matrix w, int p0, int kc, int j0, int cols, float[] dst, int off) {
        int k = w.cols(), panels = (cols + NR - 1) / NR;
        for (int p = 0; p < kc; p++) {
            long src = (long) (p0 + p) * k + j0;
            for (int q = 0; q < panels; q++) {
                int d = off + q * NR * kc + p * NR, n = Math.min(NR, cols - q * NR);
                widen(w, src + q * NR, dst, d, n);
                for (int j = n; j < NR; j++) dst[d + j] = 0f;
            }
        }
    }

    /** B[p,j] = a[p*ld + j]: row p of a is read contiguously, NR values into each panel. */
    private static void packArraySegments(float[] a, int ld, int p0, int kc, int j0, int cols, float[] dst, int off) {
        int panels = (cols + NR - 1) / NR;
        for (int p = 0; p < kc; p++) {
            int src = (p0 + p) * ld + j0;
            for (int q = 0; q < panels; q++) {
                int d = off + q * NR * kc + p * NR, n = Math.min(NR, cols - q * NR);
                System.arraycopy(a, src + q * NR, dst, d, n);
                for (int j = n; j < NR; j++) dst[d + j] = 0f;
            }
        }
    }

    /** Widens n elements of w from flat index {@code from} to fp32 in dst[off..]; bf16 vectorised. */
    static void widen(Matrix w, long from, float[] dst, int off, int n) {
        float[] heap = w.heapArray();
        if (heap != null) {
            System.arraycopy(heap, (int) from, dst, off, n);
            return;
        }
        MemorySegment seg = w.segment();
        switch (w.dtype()) {
            case F32 -> MemorySegment.copy(seg, F32, from * 4, dst, off, n);
            case BF16 -> {
                int i = 0;
                long b = from * 2;
                for (; i <= n - L; i += L) bf16(seg, b + 2L * i).intoArray(dst, off + i);
                for (; i < n; i++) dst[off + i] = Float.intBitsToFloat((seg.getAtIndex(I16, from + i) & 0xffff) << 16);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(seg.getAtIndex(I16, from + i));
            }
        }
    }

    // ---------------------------------------------------------------- small m, no packing

    /** y = x·Wᵀ for few rows of x: W streamed once, 4 rows at a time, each dotted with every x row. */
    private static void smallXwT(float[] x, int m, Matrix w, float[] y, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        float[] heap = w.heapArray();
        int groups = (n + 3) / 4;
        Parallel.forWork(2L * m * n * k, groups, 8, (f, t) -> {
            float[] buf = heap != null ? null : BUFFERS.get().scratch(4 * k);
            float[] out = new float[8];
            for (int g = f; g < t; g++) {
                int j0 = g * 4, rows = Math.min(4, n - j0);
                float[] src;
                int o0, o1, o2, o3;
                if (heap != null) {
                    src = heap;
                    o0 = j0 * k;
                    o1 = (j0 + Math.min(1, rows - 1)) * k;
                    o2 = (j0 + Math.min(2, rows - 1)) * k;
                    o3 = (j0 + Math.min(3, rows - 1)) * k;
                } else {
                    src = buf;
                    widen(w, (long) j0 * k, buf, 0, rows * k);
                    o0 = 0;
                    o1 = Math.min(1, rows - 1) * k;
                    o2 = Math.min(2, rows - 1) * k;
                    o3 = Math.min(3, rows - 1) * k;
                }
                int i = 0;
                for (; i + 1 < m; i += 2) {
                    dot2x4(x, i * k, (i + 1) * k, src, o0, o1, o2, o3, k, out);
                    store(y, i * n + j0, out, 0, rows, accumulate);
                    store(y, (i + 1) * n + j0, out, 4, rows, accumulate);
                }
                if (i < m) {
                    dot1x4(x, i * k, src, o0, o1, o2, o3, k, out);
                    store(y, i * n + j0, out, 0, rows, accumulate);
                }
            }
        });
    }

    /** y = W·x for bf16 W: each W row is read once and widened in registers, 4 rows at a time. */
    private static void gemvBf16(float[] x, Matrix w, float[] y, boolean accumulate) {
        int n = w.rows(), k = w.cols();
        MemorySegment seg = w.segment();
        Parallel.forWork(2L * n * k, (n + 3) / 4, 16, (f, t) -> {
            for (int g = f; g < t; g++) {
                int j0 = g * 4, rows = Math.min(4, n - j0);
                long r0 = 2L * j0 * k;
                long r1 = 2L * (j0 + Math.min(1, rows - 1)) * k;
                long r2 = 2L * (j0 + Math.min(2, rows - 1)) * k;
                long r3 = 2L * (j0 + Math.min(3, rows - 1)) * k;
                FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
                FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
                int p = 0;
                for (; p <= k - L; p += L) {
                    FloatVector v = FloatVector.fromArray(S, x, p);
                    long b = 2L * p;
                    a0 = v.fma(bf16(seg, r0 + b), a0);
                    a1 = v.fma(bf16(seg, r1 + b), a1);
                    a2 = v.fma(bf16(seg, r2 + b), a2);
                    a3 = v.fma(bf16(seg, r3 + b), a3);
                }
                float[] s = {VectorOps.sumLanes(a0), VectorOps.sumLanes(a1),
                        VectorOps.sumLanes(a2), VectorOps.sumLanes(a3)};
                long[] base = {r0, r1, r2, r3};
                for (; p < k; p++) {
                    for (int r = 0; r < 4; r++) {
                        s[r] += x[p] * Float.intBitsToFloat((seg.get(I16, base[r] + 2L * p) & 0xffff) << 16);
                    }
                }
                store(y, j0, s, 0, rows, accumulate);
            }
        });
    }

    /** L bf16 values at byte offset {@code at}, widened to fp32. */
    private static FloatVector bf16(MemorySegment seg, long at) {
        return ((IntVector) ShortVector.fromMemorySegment(SH, seg, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, SI, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    private static void store(float[] y, int at, float[] v, int vOff, int n, boolean accumulate) {
        for (int j = 0; j < n; j++) y[at + j] = accumulate ? y[at + j] + v[vOff + j] : v[vOff + j];
    }

    private static void dot1x4(float[] x, int xo, float[] w, int o0, int o1, int o2, int o3, int k, float[] out) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        int p = 0;
        for (; p <= k - 2 * L; p += 2 * L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + p);
            FloatVector u = FloatVector.fromArray(S, x, xo + p + L);
            a0 = v.fma(FloatVector.fromArray(S, w, o0 + p), a0);
            a1 = v.fma(FloatVector.fromArray(S, w, o1 + p), a1);
            a2 = v.fma(FloatVector.fromArray(S, w, o2 + p), a2);
            a3 = v.fma(FloatVector.fromArray(S, w, o3 + p), a3);
            b0 = u.fma(FloatVector.fromArray(S, w, o0 + p + L), b0);
            b1 = u.fma(FloatVector.fromArray(S, w, o1 + p + L), b1);
            b2 = u.fma(FloatVector.fromArray(S, w, o2 + p + L), b2);
            b3 = u.fma(FloatVector.fromArray(S, w, o3 + p + L), b3);
        }
        for (; p <= k - L; p += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + p);
            a0 = v.fma(FloatVector.fromArray(S, w, o0 + p), a0);
            a1 = v.fma(FloatVector.fromArray(S, w, o1 + p), a1);
            a2 = v.fma(FloatVector.fromArray(S, w, o2 + p), a2);
            a3 = v.fma(FloatVector.fromArray(S, w, o3 + p), a3);
        }
        float s0 = VectorOps.sumLanes(a0.add(b0)), s1 = VectorOps.sumLanes(a1.add(b1));
        float s2 = VectorOps.sumLanes(a2.add(b2)), s3 = VectorOps.sumLanes(a3.add(b3));
        for (; p < k; p++) {
            float v = x[xo + p];
            s0 += v * w[o0 + p];
            s1 += v * w[o1 + p];
            s2 += v * w[o2 + p];
            s3 += v * w[o3 + p];
        }
        out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
    }

    private static void dot2x4(float[] x, int xo, int xq, float[] w, int o0, int o1, int o2, int o3, int k,
                               float[] out) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        int p = 0;
        for (; p <= k - L; p += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + p);
            FloatVector u = FloatVector.fromArray(S, x, xq + p);
            FloatVector w0 = FloatVector.fromArray(S, w, o0 + p);
            FloatVector w1 = FloatVector.fromArray(S, w, o1 + p);
            FloatVector w2 = FloatVector.fromArray(S, w, o2 + p);
            FloatVector w3 = FloatVector.fromArray(S, w, o3 + p);
            a0 = v.fma(w0, a0); a1 = v.fma(w1, a1); a2 = v.fma(w2, a2); a3 = v.fma(w3, a3);
            b0 = u.fma(w0, b0); b1 = u.fma(w1, b1); b2 = u.fma(w2, b2); b3 = u.fma(w3, b3);
        }
        float s0 = VectorOps.sumLanes(a0), s1 = VectorOps.sumLanes(a1);
        float s2 = VectorOps.sumLanes(a2), s3 = VectorOps.sumLanes(a3);
        float t0 = VectorOps.sumLanes(b0), t1 = VectorOps.sumLanes(b1);
        float t2 = VectorOps.sumLanes(b2), t3 = VectorOps.sumLanes(b3);
        for (; p < k; p++) {
            float v = x[xo + p], u = x[xq + p];
            float w0 = w[o0 + p], w1 = w[o1 + p], w2 = w[o2 + p], w3 = w[o3 + p];
            s0 += v * w0; s1 += v * w1; s2 += v * w2; s3 += v * w3;
            t0 += u * w0; t1 += u * w1; t2 += u * w2; t3 += u * w3;
        }
        out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
        out[4] = t0; out[5] = t1; out[6] = t2; out[7] = t3;
    }

    /**
     * dx = dy·W for few rows of dy: W's rows are cut into fixed blocks ({@link #xwBlocks}, a function
     * of n alone); each block streams its rows once (widened a row at a time), axpy-ing them into
     * its own partial dx, and the partials are added in block order at the end. The blocks, not
     * the threads, fix the order of the sums, so dx has the same bits with any thread count.
     */
    private static void smallXw(float[] dy, int m, Matrix w, float[] dx, boolean accumulate) {
        smallXw(dy, m, w, dx, accumulate, xwBlocks(w.rows()));
    }

    /** {@link #smallXw} with the W rows cut into {@code tasks} blocks (SmallXwBench compares block counts). */
    static void smallXw(float[] dy, int m, Matrix w, float[] dx, boolean accumulate, int tasks) {
        int n = w.rows(), k = w.cols();
        float[] heap = w.heapArray();
        float[][] partial = new float[tasks][];
        Parallel.forWork(2L * m * n * k, tasks, 1, (from, to) -> {
            for (int tk = from; tk < to; tk++) partial[tk] = xwBlock(dy, m, w, heap, tk, tasks);
        });
        int total = m * k;
        Parallel.forWork((long) tasks * total, total, 4096, (f, t) -> {
            if (!accumulate) Arrays.fill(dx, f, t, 0f);
            for (float[] part : partial) VectorOps.add(part, f, dx, f, t - f);
        });
    }

    /** Blocks of W rows for {@link #smallXw}: up to 16, of at least 64 rows; never depends on the threads. */
    static int xwBlocks(int n) {
        return Math.max(1, Math.min(16, n / 64));
    }

    /** Block tk of tasks: Σ over its W rows o of dy[:, o] ⊗ W[o, :], into a new [m, k] array. */
    private static float[] xwBlock(float[] dy, int m, Matrix w, float[] heap, int tk, int tasks) {
        int n = w.rows(), k = w.cols();
        int o0 = (int) ((long) tk * n / tasks), o1 = (int) ((long) (tk + 1) * n / tasks);
        float[] acc = new float[m * k];
        float[] buf = heap != null ? null : BUFFERS.get().scratch(k);
        for (int o = o0; o < o1; o++) {
            float[] src;
            int s;
            if (heap != null) {
                src = heap;
                s = o * k;
            } else {
                widen(w, (long) o * k, buf, 0, k);
                src = buf;
                s = 0;
            }
            for (int i = 0; i < m; i++) {
                float g = dy[i * n + o];
                if (g != 0f) VectorOps.axpy(g, src, s, acc, i * k, k);
            }
        }
        return acc;
    }
}
