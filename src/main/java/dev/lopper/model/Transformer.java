package dev.lopper.model;

import dev.lopper.tensor.Gemm;
import dev.lopper.tensor.Matrix;
import dev.lopper.tensor.Parallel;

import java.util.HashMap;
import java.util.Map;

/**
 * Forward, backward and cached (incremental) computation of a {@link LlamaModel} of any family:
 * a layer is a list of op calls (norm, linear, position, attention, group mask, linear, norm,
 * linear, MLP activation, group mask, linear), each op a forward/backward pair chosen by the
 * family's {@link BlockOps}; backward calls them in reverse. Weights stay in their stored dtype;
 * activations are fp32, sums of many terms are taken in double.
 *
 * <p>Token batches are {@code seqs} sequences of {@code len} tokens, row-major. The loss is the
 * mean next-token NLL over the {@code seqs·(len−1)} predicted positions.
 */
public final class Transformer implements CausalLM {
    private final LlamaModel model;
    private final ModelConfig cfg;
    private final int hidden;
    private final BlockOps ops;
    private final Map<Integer, Rope> ropes = new HashMap<>();     // RoPE by head dim
    private final float[][] slopes;                               // ALiBi slopes per layer (null with RoPE)
    // Small vectors widened to fp32 once.
    private final Norm[] attnNorm, mlpNorm;
    private final float[][] bq, bk, bv, bo, bGate, bUp, bDown;
    private final Norm finalNorm, embedNorm;
    // Work arrays reused by successive calls (see WorkArrays); they go with this Transformer.
    private final WorkArrays workArrays = new WorkArrays();
    /** Whether full-sequence passes drop each layer's mapped pages after using it ({@link #releasesPages}). */
    private final boolean releasePages;

    public Transformer(LlamaModel model) {
        this.model = model;
        this.cfg = model.config();
        this.hidden = cfg.hiddenSize();
        this.ops = cfg.ops();
        int n = cfg.numLayers();
        boolean alibi = ops.position() == BlockOps.Position.ALIBI;
        slopes = alibi ? new float[n][] : null;
        float eps = cfg.rmsNormEps();
        attnNorm = new Norm[n];
        mlpNorm = new Norm[n];
        bq = new float[n][];
        bk = new float[n][];
        bv = new float[n][];
        bo = new float[n][];
        bGate = new float[n][];
        bUp = new float[n][];
        bDown = new float[n][];
        for (int l = 0; l < n; l++) {
            LayerWeights w = model.layer(l);
            attnNorm[l] = new Norm(ops.norm(), w.attnNorm(), w.attnNormBias(), eps);
            mlpNorm[l] = new Norm(ops.norm(), w.mlpNorm(), w.mlpNormBias(), eps);
            bq[l] = floats(w.bq());
            bk[l] = floats(w.bk());
            bv[l] = floats(w.bv());
            bo[l] = floats(w.bo());
            bGate[l] = floats(w.bGate());
            bUp[l] = floats(w.bUp());
            bDown[l] = floats(w.bDown());
            if (alibi) {
                slopes[l] = cfg.alibiSlopes(l);
            } else {
                int hd = cfg.layer(l).headDim();
                ropes.computeIfAbsent(hd, d -> new Rope(d, cfg.maxPositions(), cfg.ropeTheta(), cfg.ropeScaling()));
            }
        }
        finalNorm = new Norm(ops.norm(), model.finalNorm(), model.finalNormBias(), eps);
        releasePages = releasesPages(model);
        embedNorm = ops.embedNorm() ? new Norm(ops.norm(), model.embedNorm(), model.embedNormBias(), eps) : null;
    }

    private static float[] floats(Matrix m) {
        return m == null ? null : m.toFloats();
    }

    public LlamaModel model() { return model; }

    /**
     * Whether passes over whole sequences (calibration, evaluation) release each layer's pages of
     * memory-mapped weights once done with it ({@link LlamaModel#releaseLayer}), so the resident
     * set holds a few layers instead of the model: when the mapped weights exceed half of the
     * machine's memory, or as {@code -Dlopper.releasePages=true|false} says. Incremental decoding
     * never releases (it reads every layer per token).
     */
    static boolean releasesPages(LlamaModel model) {
        String forced = System.getProperty("lopper.releasePages");
        if (forced != null) return Boolean.parseBoolean(forced);
        long total = dev.lopper.util.ProcessMemory.machineTotal();
        return total > 0 && model.mappedBytes() > total / 2;
    }

    @Override
    public ModelConfig config() { return cfg; }

    /**
     * Activations of one layer, kept (or recomputed) for backward. For a backward to the masks
     * alone ({@link #maskOnly}) the inputs of the weight gradients (xn1, attnM, xn2, actM) are not
     * kept, nor act (recomputed from g and u, elementwise): 43% less at LLaMA-2-7B's shapes.
     */
    static final class LayerActs {
        float[] xIn, xn1, r1, q, k, v, attn, attnM, h1, xn2, r2, g, u, act, actM;
        /** Each adapter's s·drop(x)·Aᵀ, by Param ordinal (see Linear). */
        final float[][] lora = new float[Param.values().length][];
        final boolean maskOnly;

        LayerActs() { this(false); }

        LayerActs(boolean maskOnly) { this.maskOnly = maskOnly; }
    }

    /** Where keys and values live during attention: the batch's own rows, or a KV cache. */
    private record KvTarget(float[] k, float[] v, int pos0, int stride) {}

    // ------------------------------------------------------------------ forward

    /** Runs a top-level call with the shared work arrays, or its own when they are in use. */
    private <T> T withWork(java.util.function.Function<WorkArrays, T> call) {
        WorkArrays work = workArrays;
        if (!work.begin()) return call.apply(new WorkArrays());     // another thread's call, or re-entered
        try {
            return call.apply(work);
        } finally {
            work.end();
        }
    }

    /** The embeddings of the tokens, normalised when the family says so: the first layer's input. */
    private float[] embed(int[] tokens, WorkArrays work) {
        float[] x = lookup(tokens, work);
        if (embedNorm == null) return x;
        float[] y = work.zeroed(x.length);
        embedNorm.forward(x, y, null, tokens.length, hidden);
        work.release(x);
        return y;
    }

    /**
     * The final norm of the last layer's output x [rows, hidden] (the one place it is applied; its
     * 1/σ per row into {@code stats} when backward needs them), in a work array.
     */
    private float[] finalNorm(float[] x, int rows, float[] stats, WorkArrays work) {
        float[] hs = work.zeroed(rows * hidden);
        finalNorm.forward(x, hs, stats, rows, hidden);
        return hs;
    }

    /** Final norm and LM head: the logits [rows, vocab] of the last layer's output x [rows, hidden]. */
    private float[] head(float[] x, int rows, WorkArrays work) {
        float[] hs = finalNorm(x, rows, null, work);
        float[] logits = new float[rows * cfg.vocabSize()];
        Gemm.xwT(hs, rows, model.lmHead(), logits, false);
        work.release(hs);
        return logits;
    }

    /** Token embeddings [tokens.length, hidden]. */
    private float[] lookup(int[] tokens, WorkArrays work) {
        float[] x = work.zeroed(tokens.length * hidden);
        Matrix e = model.embed();
        for (int r = 0; r < tokens.length; r++) {
            if (tokens[r] < 0 || tokens[r] >= cfg.vocabSize())
                throw new IllegalArgumentException("token id " + tokens[r] + " outside the vocabulary of " + cfg.vocabSize());
            e.readRow(tokens[r], x, r * hidden);
        }
        return x;
    }

    /**
     * One decoder layer over x [seqs·n, hidden], in place. Rows of sequence b are b·n.. b·n+n−1
     * at positions kv.pos0 + i. When {@code acts} is not null the intermediate values are kept.
     */
    private void layerForward(int l, float[] x, int seqs, int n, KvTarget kv, MaskBlocks masks, ForwardHook hook,
                              Adapters ad, LayerActs acts, WorkArrays work) {
        LayerShape s = cfg.layer(l);
        LayerWeights w = model.layer(l);
        int rows = seqs * n;
        float[][] lora = acts == null ? null : acts.lora;
        if (acts != null) acts.xIn = work.copyOf(x);
        float[] h1;
        if (s.heads() > 0) {
            float[] xn1 = work.zeroed(rows * hidden);
            float[] r1 = work.zeroed(2 * rows);
            attnNorm[l].forward(x, xn1, r1, rows, hidden);
            if (hook != null) hook.onInput(l, ForwardHook.Site.ATTN_IN, xn1, rows, hidden);
            float[] q = Linear.forward(work, xn1, rows, w.wq(), bq[l], ad, l, Param.Q, lora);
            float[] k = Linear.forward(work, xn1, rows, w.wk(), bk[l], ad, l, Param.K, lora);
            float[] v = Linear.forward(work, xn1, rows, w.wv(), bv[l], ad, l, Param.V, lora);
            rotate(s, q, k, rows, n, kv.pos0, false);
            float[] keys = k, values = v;
            int stride = n;
            if (kv.k != null) {            // cached: append this chunk's keys/values, attend over the cache
                System.arraycopy(k, 0, kv.k, kv.pos0 * s.kvDim(), rows * s.kvDim());
                System.arraycopy(v, 0, kv.v, kv.pos0 * s.kvDim(), rows * s.kvDim());
                keys = kv.k;
                values = kv.v;
                stride = kv.stride;
            }
            float[] attn = work.zeroed(rows * s.qDim());
            Attention.forward(q, keys, values, attn, seqs, n, kv.pos0, stride, s, slopes == null ? null : slopes[l]);
            float[] attnM = GroupMask.forward(work, attn, rows, masks, GroupKind.ATTENTION, l,
                    maskWidth(GroupKind.ATTENTION, s));
            if (hook != null) hook.onInput(l, ForwardHook.Site.O_IN, attnM, rows, s.qDim());
            h1 = Linear.forward(work, attnM, rows, w.wo(), bo[l], ad, l, Param.O, lora);
            addInPlace(h1, x);
            if (acts != null && acts.maskOnly) {
                acts.r1 = r1;
                acts.q = q;
                acts.k = k;
                acts.v = v;
                acts.attn = attn;
                work.release(xn1, attnM == attn ? null : attnM);
            } else if (acts != null) {
                acts.xn1 = xn1;
                acts.r1 = r1;
                acts.q = q;
                acts.k = k;
                acts.v = v;
                acts.attn = attn;
                acts.attnM = attnM;
            } else {
                work.release(xn1, r1, q, k, v, attn, attnM);
            }
        } else {
            h1 = work.copyOf(x);     // no heads left: only o_proj's bias (e.g. FLAP compensation) remains
            Linear.addBias(bo[l], h1, rows);
        }
        if (acts != null) acts.h1 = h1;     // h1 is not written after this point
        if (s.intermediate() > 0) {
            int f = s.intermediate();
            float[] xn2 = work.zeroed(rows * hidden);
            float[] r2 = work.zeroed(2 * rows);
            mlpNorm[l].forward(h1, xn2, r2, rows, hidden);
            if (hook != null) hook.onInput(l, ForwardHook.Site.MLP_IN, xn2, rows, hidden);
            float[] g = ops.gated() ? Linear.forward(work, xn2, rows, w.gate(), bGate[l], ad, l, Param.GATE, lora) : null;
            float[] u = Linear.forward(work, xn2, rows, w.up(), bUp[l], ad, l, Param.UP, lora);
            float[] act = work.zeroed(rows * f);
            MlpActivation.forward(ops.mlp(), g, u, act, rows * f);
            float[] actM = GroupMask.forward(work, act, rows, masks, GroupKind.MLP, l, maskWidth(GroupKind.MLP, s));
            if (hook != null) hook.onInput(l, ForwardHook.Site.DOWN_IN, actM, rows, f);
            float[] out = Linear.forward(work, actM, rows, w.down(), bDown[l], ad, l, Param.DOWN, lora);
            addInPlace(out, h1);
            System.arraycopy(out, 0, x, 0, rows * hidden);
            work.release(out);
            if (acts != null && acts.maskOnly) {
                acts.r2 = r2;
                acts.g = g;
                acts.u = u;
                work.release(xn2, act, actM == act ? null : actM);
            } else if (acts != null) {
                acts.xn2 = xn2;
                acts.r2 = r2;
                acts.g = g;
                acts.u = u;
                acts.act = act;
                acts.actM = actM;
            } else {
                work.release(h1, xn2, r2, g, u, act, actM);
            }
        } else {
            System.arraycopy(h1, 0, x, 0, rows * hidden);     // no channels left: only down_proj's bias remains
            Linear.addBias(bDown[l], x, rows);
            if (acts == null) work.release(h1);
        }
    }

    /** Columns of the kind's output projection that one mask value scales: the group table's width. */
    private static int maskWidth(GroupKind kind, LayerShape s) {
        return GroupAxis.output(kind, s).width();
    }

    /** RoPE on q and k rows at positions pos0 + r % n (inverse: backward's rotation); nothing with ALiBi. */
    private void rotate(LayerShape s, float[] q, float[] k, int rows, int n, int pos0, boolean inverse) {
        if (slopes != null) return;
        Rope rope = ropes.get(s.headDim());
        Parallel.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int pos = pos0 + r % n;
                rope.apply(q, r * s.qDim(), s.heads(), pos, inverse);
                rope.apply(k, r * s.kvDim(), s.kvHeads(), pos, inverse);
            }
        });
    }

    private static void addInPlace(float[] y, float[] x) {
        Parallel.forRange(y.length, 8192, (from, to) -> {
            for (int i = from; i < to; i++) y[i] += x[i];
        });
    }

    /** The final normed hidden states [seqs·len, hidden] of a full-sequence forward. */
    private float[] trunk(int[] tokens, int seqs, int len, Masks masks, ForwardHook hook, Adapters ad,
                          float[][] layerInputs, LayerActs[] keep, WorkArrays work) {
        return trunk(tokens, seqs, len, cfg.numLayers(), masks, hook, ad, layerInputs, keep, work);
    }

    /** The hidden states after the first {@code layers} layers. */
    private float[] trunk(int[] tokens, int seqs, int len, int layers, Masks masks, ForwardHook hook, Adapters ad,
                          float[][] layerInputs, LayerActs[] keep, WorkArrays work) {
        checkBatch(tokens, seqs, len);
        float[] x = embed(tokens, work);
        KvTarget own = new KvTarget(null, null, 0, len);
        for (int l = 0; l < layers; l++) {
            if (layerInputs != null) layerInputs[l] = work.copyOf(x);
            layerForward(l, x, seqs, len, own, MaskBlocks.whole(masks), hook, ad, keep == null ? null : (keep[l] = new LayerActs()),
                    work);
            if (releasePages) model.releaseLayer(l);
        }
        return x;
    }

    private void checkBatch(int[] tokens, int seqs, int len) {
        if (tokens.length != seqs * len)
            throw new IllegalArgumentException(tokens.length + " tokens for " + seqs + " sequences of " + len);
        if (len > cfg.maxPositions())
            throw new IllegalArgumentException("sequence length " + len + " exceeds the model's context of "
                    + cfg.maxPositions() + " positions");
    }

    @Override
    public void observe(int[] tokens, int seqs, int len, int layers, Pass pass) {
        if (layers < 0 || layers > cfg.numLayers())
            throw new IllegalArgumentException(layers + " layers of " + cfg.numLayers());
        withWork(work -> {
            work.release(trunk(tokens, seqs, len, layers, pass.masks(), pass.hook(), pass.adapters(), null, null, work));
            return null;
        });
    }

    @Override
    public float[] logits(int[] tokens, int seqs, int len, Pass pass) {
        return withWork(work -> {
            float[] x = trunk(tokens, seqs, len, pass.masks(), pass.hook(), pass.adapters(), null, null, work);
            float[] logits = head(x, seqs * len, work);
            work.release(x);
            return logits;
        });
    }

    /**
     * Prompt processing of a batch: runs every token through the model and returns the logits of
     * each sequence's last token, [seqs, vocab] (what a server computes before decoding).
     */
    @Override
    public float[] prefill(int[] tokens, int seqs, int len, Pass pass) {
        return withWork(work -> {
            float[] x = trunk(tokens, seqs, len, pass.masks(), pass.hook(), pass.adapters(), null, null, work);
            float[] last = new float[seqs * hidden];
            for (int b = 0; b < seqs; b++) System.arraycopy(x, ((b + 1) * len - 1) * hidden, last, b * hidden, hidden);
            work.release(x);
            return head(last, seqs, work);
        });
    }

    /** Forward only: the NLL of predicting each token from the ones before it, per sequence. */
    @Override
    public Loss loss(int[] tokens, int seqs, int len, Pass pass) {
        return withWork(work -> {
            float[] x = trunk(tokens, seqs, len, pass.masks(), pass.hook(), pass.adapters(), null, null, work);
            float[] hs = finalNorm(x, seqs * len, null, work);
            double nll = LmHead.loss(hs, tokens, seqs, len, model.lmHead(), null, null, work);
            work.release(x, hs);
            return new Loss(nll, (long) seqs * (len - 1));
        });
    }

    @Override
    public float[] prefix(int[] tokens, int seqs, int len, int layers) {
        if (layers < 0 || layers > cfg.numLayers())
            throw new IllegalArgumentException(layers + " layers of " + cfg.numLayers());
        return withWork(work -> {
            float[] x = trunk(tokens, seqs, len, layers, null, null, null, null, null, work);
            float[] out = x.clone();
            work.release(x);
            return out;
        });
    }

    @Override
    public Loss[] lossEach(int[][] tokens, int len, Masks[] masks, int from, float[][] starts) {
        return withWork(work -> {
            Stacks st = stacks(tokens, len, masks, starts);
            float[][] x = layersEach(st, len, from, null, null, 0, work);
            Loss[] out = new Loss[tokens.length];
            for (int g = 0; g < st.count(); g++) {
                for (int i = 0; i < st.members[g].length; i++) {
                    int b = st.members[g][i], seqs = tokens[b].length / len, rows = seqs * len;
                    float[] xb = st.rowsOf(x[g], g, i, hidden, work);
                    float[] hs = work.zeroed(rows * hidden);
                    finalNorm.forward(xb, hs, null, rows, hidden);
                    double nll = LmHead.loss(hs, tokens[b], seqs, len, model.lmHead(), null, null, work);
                    out[b] = new Loss(nll, (long) seqs * (len - 1));
                    work.release(xb == x[g] ? null : xb, hs);
                }
                work.release(x[g]);
            }
            return out;
        });
    }

    @Override
    public Loss[] maskBackwardEach(int[][] tokens, int len, Masks[] masks, int from, float[][] starts, long keepBytes) {
        return withWork(work -> {
            int layers = cfg.numLayers();
            Stacks st = stacks(tokens, len, masks, starts);
            int groups = st.count();
            float[][][] inputs = new float[groups][layers][];
            long allRows = 0;
            for (int[] t : tokens) allRows += t.length;
            int keepFrom = firstKeptLayer(cfg, from, allRows, keepBytes);
            LayerActs[][] keep = new LayerActs[groups][layers];
            float[][] x = layersEach(st, len, from, inputs, keep, keepFrom, work);
            Loss[] out = new Loss[tokens.length];
            float[][] dx = new float[groups][];
            for (int g = 0; g < groups; g++) {    // as backward(): final norm, LM head, their backward, batch by batch
                dx[g] = work.zeroed(st.seqs[g] * len * hidden);
                for (int i = 0; i < st.members[g].length; i++) {
                    int b = st.members[g][i], seqs = tokens[b].length / len, rows = seqs * len;
                    float[] xb = st.rowsOf(x[g], g, i, hidden, work);
                    float[] hs = work.zeroed(rows * hidden);
                    float[] rFinal = work.zeroed(2 * rows);
                    finalNorm.forward(xb, hs, rFinal, rows, hidden);
                    float[] dHs = work.zeroed(rows * hidden);
                    double nll = LmHead.loss(hs, tokens[b], seqs, len, model.lmHead(), dHs, null, work);
                    float[] dxb = work.zeroed(rows * hidden);
                    normBackward(NO_WEIGHTS, -1, Param.FINAL_NORM, Param.FINAL_NORM_BIAS, finalNorm, xb, rFinal, dHs, dxb, rows);
                    System.arraycopy(dxb, 0, dx[g], st.rows[g][i] * hidden, rows * hidden);
                    work.release(xb == x[g] ? null : xb, hs, rFinal, dHs, dxb);
                    out[b] = new Loss(nll, (long) seqs * (len - 1));
                }
                work.release(x[g]);
            }
            KvTarget own = new KvTarget(null, null, 0, len);
            for (int l = layers - 1; l >= from; l--) {
                for (int g = 0; g < groups; g++) {
                    LayerActs acts = keep[g][l];
                    keep[g][l] = null;
                    if (acts == null) {
                        acts = new LayerActs(true);
                        layerForward(l, inputs[g][l], st.seqs[g], len, own, st.masks[g], null, null, acts, work);
                        work.release(inputs[g][l]);
                        inputs[g][l] = null;
                    }
                    layerBackward(l, acts, dx[g], st.seqs[g], len, st.masks[g], null, NO_WEIGHTS, work);
                }
                if (releasePages) model.releaseLayer(l);
            }
            for (float[] d : dx) work.release(d);
            return out;
        });
    }

    /**
     * The batches of {@link #lossEach}/{@link #maskBackwardEach} as groups run as one: when every
     * batch has more rows than {@link Gemm#blockedRows} asks, all of them stacked into one
     * activation (each weight then feeds one product over all their rows, widened and packed
     * once instead of once per batch; each row's sums, and so its bits, are those of its batch
     * alone); otherwise each batch alone.
     *
     * @param members  group g's batches, in order
     * @param rows     the first row of each member within its group, then the group's rows
     * @param seqs     group g's sequences
     * @param starts   group g's input rows (the members' starts one after another)
     */
    private record Stacks(int[][] members, int[][] rows, int[] seqs, MaskBlocks[] masks, float[][] starts) {
        int count() { return members.length; }

        /** Member i of group g's rows of x (x itself when it is the group's only member). */
        float[] rowsOf(float[] x, int g, int i, int hidden, WorkArrays work) {
            if (members[g].length == 1) return x;
            int first = rows[g][i], end = rows[g][i + 1];
            float[] out = work.zeroed((end - first) * hidden);
            System.arraycopy(x, first * hidden, out, 0, out.length);
            return out;
        }
    }

    private Stacks stacks(int[][] tokens, int len, Masks[] masks, float[][] starts) {
        int batches = tokens.length;
        if (masks.length != batches || starts.length != batches)
            throw new IllegalArgumentException(batches + " batches, " + masks.length + " masks, " + starts.length + " starts");
        boolean together = batches > 1;
        for (int b = 0; b < batches; b++) {
            checkBatch(tokens[b], tokens[b].length / len, len);
            if (starts[b].length != tokens[b].length * hidden)
                throw new IllegalArgumentException("batch " + b + ": " + starts[b].length + " start values for "
                        + tokens[b].length + " tokens");
            if (masks[b] == null) throw new IllegalArgumentException("batch " + b + " has no masks");
            together &= Gemm.blockedRows(tokens[b].length);
        }
        if (!together) {
            int[][] members = new int[batches][], rows = new int[batches][];
            int[] seqs = new int[batches];
            MaskBlocks[] blocks = new MaskBlocks[batches];
            for (int b = 0; b < batches; b++) {
                members[b] = new int[] {b};
                rows[b] = new int[] {0, tokens[b].length};
                seqs[b] = tokens[b].length / len;
                blocks[b] = MaskBlocks.whole(masks[b]);
            }
            return new Stacks(members, rows, seqs, blocks, starts);
        }
        int[] members = new int[batches], first = new int[batches + 1], sizes = new int[batches];
        int total = 0;
        for (int b = 0; b < batches; b++) {
            members[b] = b;
            first[b] = total;
            sizes[b] = tokens[b].length;
            total += sizes[b];
        }
        first[batches] = total;
        float[] stacked = new float[total * hidden];
        for (int b = 0; b < batches; b++) System.arraycopy(starts[b], 0, stacked, first[b] * hidden, starts[b].length);
        return new Stacks(new int[][] {members}, new int[][] {first}, new int[] {total / len},
                new MaskBlocks[] {MaskBlocks.stacked(masks, sizes)}, new float[][] {stacked});
    }

    /**
     * The first layer whose activations {@link #maskBackwardEach} keeps from its forward over
     * {@code rows} tokens from layer {@code from}: the top layers, as many as fit in
     * {@code keepBytes}; the layers below it are recomputed in the backward.
     */
    public static int firstKeptLayer(ModelConfig c, int from, long rows, long keepBytes) {
        int keepFrom = c.numLayers();
        long kept = 0;
        while (keepFrom > from) {
            LayerShape s = c.layer(keepFrom - 1);
            // what LayerActs keeps for the masks' backward (maskOnly), in fp32
            long more = 4 * rows * (2L * c.hiddenSize() + 2L * s.qDim() + 2L * s.kvDim() + 2L * s.intermediate() + 4);
            if (kept + more > keepBytes) break;
            kept += more;
            keepFrom--;
        }
        return keepFrom;
    }

    /** Mask gradients only (the fusion's backward). */
    private static final GradientSink NO_WEIGHTS = new GradientSink() {
        @Override public boolean wants(int layer, Param param) { return false; }

        @Override public void accept(int layer, Param param, Matrix weight, float[] grad) {
            throw new IllegalStateException("no weight gradient was asked for");
        }
    };

    /**
     * Layers {@code from} .. n−1 over every group, layer-major, from copies of the groups'
     * starts; returns each group's final hidden states. With {@code inputs}, each group's input
     * to each layer below {@code keepFrom} is kept there, and the activations of the layers from
     * {@code keepFrom} on in {@code keep} (for a backward).
     */
    private float[][] layersEach(Stacks st, int len, int from, float[][][] inputs, LayerActs[][] keep, int keepFrom,
                                 WorkArrays work) {
        if (from < 0 || from > cfg.numLayers()) throw new IllegalArgumentException("from layer " + from);
        int groups = st.count();
        float[][] x = new float[groups][];
        for (int g = 0; g < groups; g++) x[g] = work.copyOf(st.starts[g]);
        KvTarget own = new KvTarget(null, null, 0, len);
        for (int l = from; l < cfg.numLayers(); l++) {
            for (int g = 0; g < groups; g++) {
                LayerActs acts = keep != null && l >= keepFrom ? (keep[g][l] = new LayerActs(true)) : null;
                if (inputs != null && acts == null) inputs[g][l] = work.copyOf(x[g]);
                layerForward(l, x[g], st.seqs[g], len, own, st.masks[g], null, null, acts, work);
            }
            if (releasePages) model.releaseLayer(l);
        }
        return x;
    }

    // ------------------------------------------------------------------ backward

    /**
     * Forward and backward of the mean next-token NLL. Each wanted weight gradient is handed to
     * {@code sink} as soon as it is complete (layers from last to first); mask gradients are
     * added into the pass's masks when they track them. Unless the pass keeps activations, each
     * layer's activations are recomputed from its input during backward (less memory, ~⅓ more
     * compute).
     */
    @Override
    public Loss backward(int[] tokens, int seqs, int len, Pass pass, GradientSink sink) {
        return backward(tokens, seqs, len, pass, sink, Objective.nextToken());
    }

    @Override
    public Loss backward(int[] tokens, int seqs, int len, Pass pass, GradientSink sink, Objective objective) {
        if (pass.hook() != null) throw new IllegalArgumentException("backward takes no forward hook");
        objective.check(seqs * len, cfg.vocabSize());
        return withWork(work -> backward(tokens, seqs, len, pass.masks(), pass.adapters(), sink,
                pass.keepActivations(), objective, work));
    }

    private Loss backward(int[] tokens, int seqs, int len, Masks masks, Adapters ad, GradientSink sink,
                          boolean keepActivations, Objective objective, WorkArrays work) {
        int layers = cfg.numLayers();
        int rows = seqs * len;
        float[][] inputs = new float[layers][];
        LayerActs[] kept = keepActivations ? new LayerActs[layers] : null;
        float[] x = trunk(tokens, seqs, len, masks, null, ad, keepActivations ? null : inputs, kept, work);
        float[] rFinal = work.zeroed(2 * rows);
        float[] hs = finalNorm(x, rows, rFinal, work);

        boolean tied = cfg.tieWordEmbeddings();
        boolean wantHead = sink.wants(-1, Param.LM_HEAD) || (tied && sink.wants(-1, Param.EMBED));
        Matrix head = model.lmHead();
        float[] dHead = wantHead ? work.zeroed(Math.toIntExact(head.size())) : null;
        float[] dHs = work.zeroed(rows * hidden);
        // The plain next-token loss keeps its own kernel (the bits every earlier result was made with).
        LmHead.Sums sums;
        if (sink.windowRows() > 0) {    // per-window gradients (second-order Taylor in one backward)
            if (objective != Objective.nextToken())
                throw new UnsupportedOperationException("per-window gradients of another objective than the next-token loss");
            sums = new LmHead.Sums(windowLosses(hs, tokens, seqs, len, head, dHs, sink, work), 0, (double) seqs * (len - 1));
        } else {
            sums = objective == Objective.nextToken()
                    ? new LmHead.Sums(LmHead.loss(hs, tokens, seqs, len, head, dHs, dHead, work), 0, (double) seqs * (len - 1))
                    : LmHead.objective(hs, tokens, seqs, len, head, objective, dHs, dHead, work);
        }
        if (wantHead && !tied) sink.accept(-1, Param.LM_HEAD, head, dHead);

        float[] dx = work.zeroed(rows * hidden);
        normBackward(sink, -1, Param.FINAL_NORM, Param.FINAL_NORM_BIAS, finalNorm, x, rFinal, dHs, dx, rows);
        work.release(x, hs, rFinal, dHs);

        KvTarget own = new KvTarget(null, null, 0, len);
        for (int l = layers - 1; l >= 0; l--) {
            LayerActs acts;
            if (kept != null) {
                acts = kept[l];
                kept[l] = null;
            } else {
                acts = new LayerActs();
                layerForward(l, inputs[l], seqs, len, own, MaskBlocks.whole(masks), null, ad, acts, work);
                work.release(inputs[l]);    // now the layer's output, not needed
                inputs[l] = null;
            }
            layerBackward(l, acts, dx, seqs, len, MaskBlocks.whole(masks), ad, sink, work);
            if (releasePages) model.releaseLayer(l);
        }

        if (embedNorm != null) dx = embedNormBackward(tokens, dx, sink, work);
        boolean wantEmbed = sink.wants(-1, Param.EMBED);
        if (wantEmbed) {
            float[] dE = tied ? dHead : work.zeroed(Math.toIntExact(model.embed().size()));
            for (int r = 0; r < rows; r++) {
                dev.lopper.tensor.VectorOps.add(dx, r * hidden, dE, tokens[r] * hidden, hidden);
            }
            sink.accept(-1, Param.EMBED, model.embed(), dE);
            work.release(dE);
        }
        work.release(dx, dHead);
        return new Loss(sums.loss(), Math.round(sums.weight()));
    }

    /**
     * The loss and ∂/∂hidden states of each window's own mean loss (per-window gradients,
     * {@link GradientSink#windowRows}): each window goes through the LM head alone, exactly as a
     * backward of that window alone does. Gradients of global weights are not given per window.
     */
    private double windowLosses(float[] hs, int[] tokens, int seqs, int len, Matrix head, float[] dHs,
                                GradientSink sink, WorkArrays work) {
        if (sink.windowRows() != len)
            throw new IllegalArgumentException("windows of " + sink.windowRows() + " rows for sequences of " + len);
        for (Param p : cfg.globalParams())
            if (sink.wants(-1, p)) throw new UnsupportedOperationException("per-window gradients of " + p);
        double nll = 0;
        for (int b = 0; b < seqs; b++) {
            float[] h = java.util.Arrays.copyOfRange(hs, b * len * hidden, (b + 1) * len * hidden);
            int[] t = java.util.Arrays.copyOfRange(tokens, b * len, (b + 1) * len);
            float[] d = new float[len * hidden];
            nll += LmHead.loss(h, t, 1, len, head, d, null, work);
            System.arraycopy(d, 0, dHs, b * len * hidden, len * hidden);
        }
        return nll;
    }

    /** Backward through the embedding norm: returns ∂L/∂(raw embeddings), releasing dx. */
    private float[] embedNormBackward(int[] tokens, float[] dx, GradientSink sink, WorkArrays work) {
        int rows = tokens.length;
        float[] raw = lookup(tokens, work);
        float[] y = work.zeroed(rows * hidden);
        float[] stats = work.zeroed(2 * rows);
        embedNorm.forward(raw, y, stats, rows, hidden);
        float[] dRaw = work.zeroed(rows * hidden);
        normBackward(sink, -1, Param.EMBED_NORM, Param.EMBED_NORM_BIAS, embedNorm, raw, stats, dx, dRaw, rows);
        work.release(raw, y, stats, dx);
        return dRaw;
    }

    /** dx += ∂L/∂x of a norm; its weight (and bias) gradients to the sink when wanted. */
    private void normBackward(GradientSink sink, int l, Param wp, Param bp, Norm norm, float[] x, float[] stats,
                              float[] dy, float[] dx, int rows) {
        boolean hasBias = cfg.has(bp);
        boolean want = sink.wants(l, wp) || (hasBias && sink.wants(l, bp));
        if (want && sink.windowRows() > 0) throw new UnsupportedOperationException("per-window gradients of " + wp);
        Norm.Grads g = norm.backward(x, stats, dy, dx, rows, hidden, want);
        if (g == null) return;
        if (sink.wants(l, wp)) sink.accept(l, wp, wp.of(model, l), Linear.toFloat(g.weight()));
        if (hasBias && sink.wants(l, bp)) sink.accept(l, bp, bp.of(model, l), Linear.toFloat(g.bias()));
    }

    /** Turns dx (gradient at the layer's output) into the gradient at its input, in place. */
    private void layerBackward(int l, LayerActs a, float[] dx, int seqs, int n, MaskBlocks masks, Adapters ad,
                               GradientSink sink, WorkArrays work) {
        LayerShape s = cfg.layer(l);
        LayerWeights w = model.layer(l);
        int rows = seqs * n;
        if (a.maskOnly && (sink != NO_WEIGHTS || ad != null))
            throw new IllegalStateException("activations kept for the masks' gradients only");
        if (s.intermediate() > 0) {
            int f = s.intermediate();
            float[] act = a.act;
            if (act == null) {      // not kept (maskOnly): recomputed, elementwise, with the forward's bits
                act = work.zeroed(rows * f);
                MlpActivation.forward(ops.mlp(), a.g, a.u, act, rows * f);
            }
            float[] dActM = work.zeroed(rows * f);
            Linear.dX(dx, rows, w.down(), dActM, false);
            Linear.adapterBackward(work, ad, l, Param.DOWN, dx, a.actM, a.lora, rows, dActM);
            Linear.dW(sink, l, Param.DOWN, w.down(), dx, a.actM, rows, work);
            Linear.db(sink, l, Param.BDOWN, w.bDown(), dx, rows);
            float[] dAct = GroupMask.backward(work, dActM, act, rows, masks, GroupKind.MLP, l, maskWidth(GroupKind.MLP, s));
            if (act != a.act) work.release(act);
            float[] dG = ops.gated() ? work.zeroed(rows * f) : null;
            float[] dU = work.zeroed(rows * f);
            MlpActivation.backward(ops.mlp(), a.g, a.u, dAct, dG, dU, rows * f);
            Linear.db(sink, l, Param.BGATE, w.bGate(), dG, rows);
            Linear.db(sink, l, Param.BUP, w.bUp(), dU, rows);
            float[] dXn2 = work.zeroed(rows * hidden);
            Linear.dX(dU, rows, w.up(), dXn2, false);
            Linear.adapterBackward(work, ad, l, Param.UP, dU, a.xn2, a.lora, rows, dXn2);
            if (dG != null) Linear.dX(dG, rows, w.gate(), dXn2, true);
            if (dG != null) Linear.adapterBackward(work, ad, l, Param.GATE, dG, a.xn2, a.lora, rows, dXn2);
            Linear.dW(sink, l, Param.GATE, w.gate(), dG, a.xn2, rows, work);
            Linear.dW(sink, l, Param.UP, w.up(), dU, a.xn2, rows, work);
            normBackward(sink, l, Param.MLP_NORM, Param.MLP_NORM_BIAS, mlpNorm[l], a.h1, a.r2, dXn2, dx, rows);
            work.release(dActM, dAct, dG, dU, dXn2);
        } else {
            Linear.db(sink, l, Param.BDOWN, w.bDown(), dx, rows);
            zeroGrads(sink, l, seqs, Param.MLP_NORM, Param.MLP_NORM_BIAS, Param.GATE, Param.UP, Param.DOWN, Param.BGATE,
                    Param.BUP);
        }
        if (s.heads() > 0) {
            float[] dAttnM = work.zeroed(rows * s.qDim());
            Linear.dX(dx, rows, w.wo(), dAttnM, false);
            Linear.adapterBackward(work, ad, l, Param.O, dx, a.attnM, a.lora, rows, dAttnM);
            Linear.dW(sink, l, Param.O, w.wo(), dx, a.attnM, rows, work);
            Linear.db(sink, l, Param.BO, w.bo(), dx, rows);
            float[] dAttn = GroupMask.backward(work, dAttnM, a.attn, rows, masks, GroupKind.ATTENTION, l,
                    maskWidth(GroupKind.ATTENTION, s));
            float[] dq = work.zeroed(rows * s.qDim());
            float[] dk = work.zeroed(rows * s.kvDim());
            float[] dv = work.zeroed(rows * s.kvDim());
            Attention.backward(a.q, a.k, a.v, dAttn, dq, dk, dv, seqs, n, s, slopes == null ? null : slopes[l]);
            rotate(s, dq, dk, rows, n, 0, true);
            Linear.db(sink, l, Param.BQ, w.bq(), dq, rows);
            Linear.db(sink, l, Param.BK, w.bk(), dk, rows);
            Linear.db(sink, l, Param.BV, w.bv(), dv, rows);
            float[] dXn1 = work.zeroed(rows * hidden);
            Linear.dX(dq, rows, w.wq(), dXn1, false);
            Linear.dX(dk, rows, w.wk(), dXn1, true);
            Linear.dX(dv, rows, w.wv(), dXn1, true);
            Linear.adapterBackward(work, ad, l, Param.Q, dq, a.xn1, a.lora, rows, dXn1);
            Linear.adapterBackward(work, ad, l, Param.K, dk, a.xn1, a.lora, rows, dXn1);
            Linear.adapterBackward(work, ad, l, Param.V, dv, a.xn1, a.lora, rows, dXn1);
            Linear.dW(sink, l, Param.Q, w.wq(), dq, a.xn1, rows, work);
            Linear.dW(sink, l, Param.K, w.wk(), dk, a.xn1, rows, work);
            Linear.dW(sink, l, Param.V, w.wv(), dv, a.xn1, rows, work);
            normBackward(sink, l, Param.ATTN_NORM, Param.ATTN_NORM_BIAS, attnNorm[l], a.xIn, a.r1, dXn1, dx, rows);
            work.release(dAttnM, dAttn, dq, dk, dv, dXn1);
        } else {
            Linear.db(sink, l, Param.BO, w.bo(), dx, rows);
            zeroGrads(sink, l, seqs, Param.ATTN_NORM, Param.ATTN_NORM_BIAS, Param.Q, Param.K, Param.V, Param.O, Param.BQ,
                    Param.BK, Param.BV);
        }
        work.release(a.xIn, a.xn1, a.r1, a.q, a.k, a.v, a.attn, a.attnM, a.h1, a.xn2, a.r2, a.g, a.u, a.act, a.actM);
        work.release(a.lora);
    }

    /** The parameters of an emptied block do not affect the loss: their gradients are zero. */
    private void zeroGrads(GradientSink sink, int l, int windows, Param... params) {
        for (Param p : params) {
            Matrix m = p.of(model, l);
            if (m == null || !sink.wants(l, p)) continue;
            float[] zeros = new float[Math.toIntExact(m.size())];
            if (sink.windowRows() == 0) sink.accept(l, p, m, zeros);
            else for (int i = 0; i < windows; i++) sink.acceptWindow(l, p, m, i, zeros);
        }
    }

    // ------------------------------------------------------------------ cached (incremental) forward

    /** Keys and values of past positions, per layer, for one sequence. */
    private final class Cache implements KvCache {
        private final float[][] k, v;
        private final int capacity;
        private int length;

        private Cache(int capacity) {
            if (capacity > cfg.maxPositions())
                throw new IllegalArgumentException("cache of " + capacity + " exceeds the model's context of "
                        + cfg.maxPositions());
            this.capacity = capacity;
            k = new float[cfg.numLayers()][];
            v = new float[cfg.numLayers()][];
            for (int l = 0; l < cfg.numLayers(); l++) {
                k[l] = new float[capacity * cfg.layer(l).kvDim()];
                v[l] = new float[capacity * cfg.layer(l).kvDim()];
            }
        }

        Transformer owner() { return Transformer.this; }

        @Override
        public int length() { return length; }

        @Override
        public int capacity() { return capacity; }

        @Override
        public void truncate(int newLength) {
            if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength);
            length = newLength;
        }
    }

    @Override
    public KvCache newCache(int capacity) {
        return new Cache(capacity);
    }

    @Override
    public float[] forward(KvCache kv, int[] tokens, boolean allRows, Pass pass) {
        if (!(kv instanceof Cache cache) || cache.owner() != this)
            throw new IllegalArgumentException("a cache made by another model");
        int n = tokens.length;
        if (n == 0) throw new IllegalArgumentException("no tokens");
        if (cache.length + n > cache.capacity)
            throw new IllegalArgumentException("sequence of " + (cache.length + n) + " tokens exceeds the cache of "
                    + cache.capacity);
        return withWork(work -> {
            float[] x = embed(tokens, work);
            for (int l = 0; l < cfg.numLayers(); l++) {
                layerForward(l, x, 1, n, new KvTarget(cache.k[l], cache.v[l], cache.length, 0), MaskBlocks.whole(pass.masks()),
                        pass.hook(), pass.adapters(), null, work);
            }
            cache.length += n;
            int outRows = allRows ? n : 1;
            float[] last = allRows ? x : java.util.Arrays.copyOfRange(x, (n - 1) * hidden, n * hidden);
            float[] logits = head(last, outRows, work);
            work.release(x);
            return logits;
        });
    }
}
