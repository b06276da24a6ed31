package dev.lopper.io;

import dev.lopper.BadInputException;
import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Karpathy's llama2.c checkpoints: the legacy (v0) .bin and the "version 1" export, both
 * fp32. Weights are mapped, not copied, except q and k, whose rows are permuted from llama2.c's
 * interleaved-pair RoPE layout to HF's rotate_half layout (new row j·hd/2+i = old row 2i+j).
 */
public final class Llama2cCheckpoint {
    static final int MAGIC_V1 = 0x616b3432;
    static final int V1_HEADER_BYTES = 256;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2cCheckpoint() {}

    /** The seven header ints, decoded. */
    record Header(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocab, int seqLen,
                  boolean sharedClassifier, int version) {
        int headDim() { return dim / heads; }
        int kvDim() { return kvHeads * headDim(); }
    }

    /** True when the file starts with the version-1 magic (used to recognise llama2.c files). */
    public static boolean looksLikeVersion1(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            var buf = java.nio.ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            return ch.read(buf, 0) == 4 && buf.getInt(0) == MAGIC_V1;
        } catch (IOException e) {
            return false;
        }
    }

    public static LlamaModel read(Path file) {
        MemorySegment seg = map(file);
        Header h = header(file, seg);
        long expected = expectedSize(file, h);
        if (seg.byteSize() != expected) {
            throw new BadInputException(file, "size is " + seg.byteSize() + " bytes, but the header (dim " + h.dim()
                    + ", hidden " + h.hiddenDim() + ", layers " + h.layers() + ", heads " + h.heads() + "/" + h.kvHeads()
                    + ", vocab " + h.vocab() + ", seq_len " + h.seqLen() + ") implies " + expected + " bytes");
        }
        return h.version() == 0 ? readV0(h, new Cursor(seg, 28)) : readV1(h, new Cursor(seg, V1_HEADER_BYTES));
    }

    private static MemorySegment map(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "file not found");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Header header(Path file, MemorySegment seg) {
        if (seg.byteSize() < 28) throw new BadInputException(file, "file is " + seg.byteSize() + " bytes, too short for a llama2.c header");
        Header h;
        if (seg.get(I32, 0) == MAGIC_V1) {
            if (seg.byteSize() < V1_HEADER_BYTES) throw new BadInputException(file, "file too short for a llama2.c version 1 header");
            int version = seg.get(I32, 4);
            if (version != 1) throw new BadInputException(file, "llama2.c export version " + version + " is not supported (only 0 and 1)");
            int[] v = ints(seg, 8, 7);
            h = new Header(v[0], v[1], v[2], v[3], v[4], v[5], v[6], seg.get(ValueLayout.JAVA_BYTE, 36) != 0, 1);
        } else {
            int[] v = ints(seg, 0, 7);
            // v0: a negative vocab size means the classifier is not shared and follows at the end.
            h = new Header(v[0], v[1], v[2], v[3], v[4], Math.abs(v[5]), v[6], v[5] > 0, 0);
        }
        if (h.dim() <= 0 || h.hiddenDim() <= 0 || h.layers() <= 0 || h.heads() <= 0 || h.kvHeads() <= 0
                || h.vocab() <= 0 || h.seqLen() <= 0 || h.dim() % h.heads() != 0 || h.heads() % h.kvHeads() != 0
                || h.headDim() % 2 != 0) {
            throw new BadInputException(file, "not a llama2.c checkpoint: implausible header " + h);
        }
        return h;
    }

    private static int[] ints(MemorySegment seg, long offset, int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = seg.get(I32, offset + 4L * i);
        return v;
    }

    /**
     * The file size the header implies, in exact arithmetic: a crafted header whose size would
     * overflow a long (and could wrap around to the real file size) is refused, never mapped.
     */
    static long expectedSize(Path file, Header h) {
        long d = h.dim(), f = h.hiddenDim(), l = h.layers(), kv = h.kvDim();
        try {
            long perLayer = sum(2 * d,                                                  // two norms
                    mul(d, d), mul(2 * kv, d), mul(d, d),                               // q, k, v, o
                    mul(3 * f, d));                                                     // w1, w2, w3
            long floats = sum(mul(h.vocab(), d), mul(l, perLayer), d);                  // embedding, layers, final norm
            if (h.version() == 0) floats = sum(floats, mul(h.seqLen(), h.headDim()));  // freq_cis real + imag
            if (!h.sharedClassifier()) floats = sum(floats, mul(h.vocab(), d));
            return sum(h.version() == 0 ? 28 : V1_HEADER_BYTES, mul(4, floats));
        } catch (ArithmeticException e) {
            throw new BadInputException(file, "not a llama2.c checkpoint: the header " + h
                    + " implies a size beyond 2^63 bytes");
        }
    }

    private static long mul(long a, long b) {
        return Math.multiplyExact(a, b);
    }

    private static long sum(long... terms) {
        long s = 0;
        for (long t : terms) s = Math.addExact(s, t);
        return s;
    }

    private static LlamaModel readV0(Header h, Cursor c) {
        int d = h.dim(), f = h.hiddenDim(), n = h.layers();
        Matrix embed = c.next(h.vocab(), d);
        List<Matrix> attNorm = c.many(n, 1, d);
        List<Matrix> wq = c.many(n, d, d), wk = c.many(n, h.kvDim(), d), wv = c.many(n, h.kvDim(), d), wo = c.many(n, d, d);
        List<Matrix> ffnNorm = c.many(n, 1, d);
        List<Matrix> w1 = c.many(n, f, d), w2 = c.many(n, d, f), w3 = c.many(n, f, d);
        Matrix finalNorm = c.next(1, d);
        c.skip(4L * h.seqLen() * h.headDim());   // precomputed RoPE tables: Lopper computes its own
        Matrix lmHead = h.sharedClassifier() ? embed : c.next(h.vocab(), d);
        return assemble(h, embed, attNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, lmHead);
    }

    private static LlamaModel readV1(Header h, Cursor c) {
        int d = h.dim(), f = h.hiddenDim(), n = h.layers();
        List<Matrix> attNorm = c.many(n, 1, d), ffnNorm = c.many(n, 1, d);
        Matrix finalNorm = c.next(1, d);
        Matrix embed = c.next(h.vocab(), d);
        List<Matrix> wq = c.many(n, d, d), wk = c.many(n, h.kvDim(), d), wv = c.many(n, h.kvDim(), d), wo = c.many(n, d, d);
        List<Matrix> w1 = c.many(n, f, d), w2 = c.many(n, d, f), w3 = c.many(n, f, d);
        Matrix lmHead = h.sharedClassifier() ? embed : c.next(h.vocab(), d);
        return assemble(h, embed, attNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, finalNorm, lmHead);
    }

    private static LlamaModel assemble(Header h, Matrix embed, List<Matrix> attNorm, List<Matrix> wq, List<Matrix> wk,
                                       List<Matrix> wv, List<Matrix> wo, List<Matrix> ffnNorm, List<Matrix> w1,
                                       List<Matrix> w2, List<Matrix> w3, Matrix finalNorm, Matrix lmHead) {
        LayerShape shape = new LayerShape(h.heads(), h.kvHeads(), h.headDim(), h.hiddenDim());
        ModelConfig config = ModelConfig.builder(Family.LLAMA)
                .hiddenSize(h.dim()).vocabSize(h.vocab()).maxPositions(h.seqLen())
                .layers(java.util.Collections.nCopies(h.layers(), shape))
                .rmsNormEps(1e-5f).ropeTheta(10000f).tieWordEmbeddings(h.sharedClassifier())
                .bosTokenId(1).eosTokenId(2)    // llama2.c uses the Llama 2 SentencePiece ids
                .build();
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < h.layers(); i++) {
            layers.add(LayerWeights.builder()
                    .put(Param.ATTN_NORM, attNorm.get(i))
                    .put(Param.Q, toRotateHalf(wq.get(i), h.headDim()))
                    .put(Param.K, toRotateHalf(wk.get(i), h.headDim()))
                    .put(Param.V, wv.get(i))
                    .put(Param.O, wo.get(i))
                    .put(Param.MLP_NORM, ffnNorm.get(i))
                    .put(Param.GATE, w1.get(i))     // gate = w1, up = w3, down = w2
                    .put(Param.UP, w3.get(i))
                    .put(Param.DOWN, w2.get(i))
                    .build());
        }
        return new LlamaModel(config, embed, layers, finalNorm, lmHead);
    }

    /** Within each head of size hd: new row j·hd/2 + i = old row 2i + j, for i < hd/2, j ∈ {0, 1}. */
    static Matrix toRotateHalf(Matrix w, int headDim) {
        int[] order = new int[w.rows()];
        int half = headDim / 2;
        for (int head = 0; head < w.rows() / headDim; head++) {
            int base = head * headDim;
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) order[base + j * half + i] = base + 2 * i + j;
            }
        }
        return w.selectRows(order);
    }

    /** Walks the fp32 tensors of a mapped file in order. */
    private static final class Cursor {
        private final MemorySegment seg;
        private long pos;

        Cursor(MemorySegment seg, long pos) {
            this.seg = seg;
            this.pos = pos;
        }

        Matrix next(int rows, int cols) {
            long bytes = 4L * rows * cols;
            Matrix m = Matrix.of(seg.asSlice(pos, bytes), DType.F32, rows, cols);
            pos += bytes;
            return m;
        }

        List<Matrix> many(int n, int rows, int cols) {
            List<Matrix> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(next(rows, cols));
            return out;
        }

        void skip(long bytes) { pos += bytes; }
    }
}
