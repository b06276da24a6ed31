package dev.lopper.calib;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.GroupKind;
import dev.lopper.model.Pass;
import dev.lopper.util.ProgressListener;
import dev.lopper.model.GradientSink;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Param;
import dev.lopper.model.CausalLM;
import dev.lopper.tensor.Matrix;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-group Taylor statistics from gradients of the calibration loss L (mean next-token NLL
 * over all windows), with salience s = w·g, g = ∂L/∂w, over the weights of each group
 * ({@link GroupAxis}; bias entries of q/k/v and gate/up included when present):
 * <ul>
 *   <li>element (first order): Σ_{w∈G} |s|</li>
 *   <li>vector (first order): |Σ_{w∈G} s|</li>
 *   <li>mix (second order, LLM-Pruner's "param_mix"): Σ_{w∈G} |s − ½·w·F·w| with the diagonal
 *       Fisher F = (1/N) Σ_i g_i², g_i the gradient of window i's own mean loss.</li>
 * </ul>
 *
 * <p>First order, by default, runs ONE backward over all windows (as LLM-Pruner does) and
 * reduces each weight gradient to per-group sums inside {@link GradientSink#accept}: no
 * weight-sized array survives a call. Memory: the layer inputs of all windows (activations are
 * recomputed layer by layer) plus one weight gradient at a time. When that is too much,
 * {@link Options#windowsPerBackward} splits the windows: the gradient is then summed per scored
 * weight over the backward calls (fp32, 4 bytes per scored weight) and reduced at the end.
 *
 * <p>Second order runs ONE backward over all windows that hands each scored weight's gradient
 * once per window (of that window's own mean loss), sums Σg_i and Σg_i² of that weight alone and
 * reduces them to group scores before the next weight's gradients exist: two fp32 copies of one
 * weight, never a weight-sized buffer for the whole model. With {@link Options#layersPerPass} > 0
 * it runs one backward per window instead and keeps, for the scored weights of a chunk of layers,
 * Σg_i and Σg_i² in fp32 (8 bytes per scored weight); the scores are the same bits (for windows
 * longer than 32 tokens; see {@link #collectPerWindow}). Then g = (1/N)Σg_i, which equals the full-batch
 * gradient exactly because all windows have the same length (LLM-Pruner computes the same g with
 * an extra full-batch backward), and F = (1/N)Σg_i² (LLM-Pruner's {@code acc_grad}). First-order
 * element and vector scores come for free in this mode (from the mean gradient).
 *
 * <p>In both accumulating modes the scored layers can be taken {@link Options#layersPerPass} at a
 * time, repeating the backward passes per chunk: memory is then that of one chunk's weights,
 * compute is multiplied by the number of chunks.
 */
public final class TaylorStats {

    /**
     * Which groups to score: layers [fromLayer, toLayer), attention and/or MLP groups.
     * {@code layersPerPass} ≤ 0 means all scored layers in one pass. {@code windowsPerBackward}
     * (first order only) ≤ 0 means all windows in one backward, reduced as they stream.
     */
    public record Options(int fromLayer, int toLayer, boolean attention, boolean mlp, boolean secondOrder,
                          int layersPerPass, int windowsPerBackward) {
        public Options {
            if (fromLayer < 0 || toLayer < fromLayer)
                throw new IllegalArgumentException("bad layer range [" + fromLayer + ", " + toLayer + ")");
            if (!attention && !mlp) throw new IllegalArgumentException("neither attention nor MLP groups to score");
        }

        /** All windows per backward (streaming first order). */
        public Options(int fromLayer, int toLayer, boolean attention, boolean mlp, boolean secondOrder,
                       int layersPerPass) {
            this(fromLayer, toLayer, attention, mlp, secondOrder, layersPerPass, 0);
        }

        /** All layers, both kinds, first order. */
        public static Options all(ModelConfig c) {
            return new Options(0, c.numLayers(), true, true, false, 0);
        }

        public Options withSecondOrder(boolean second) {
            return new Options(fromLayer, toLayer, attention, mlp, second, layersPerPass, windowsPerBackward);
        }

        public Options withLayers(int from, int to) {
            return new Options(from, to, attention, mlp, secondOrder, layersPerPass, windowsPerBackward);
        }

        public Options withLayersPerPass(int n) {
            return new Options(fromLayer, toLayer, attention, mlp, secondOrder, n, windowsPerBackward);
        }

        public Options withWindowsPerBackward(int n) {
            return new Options(fromLayer, toLayer, attention, mlp, secondOrder, layersPerPass, n);
        }

        boolean scores(int layer, GroupKind kind) {
            return layer >= fromLayer && layer < toLayer && (kind == GroupKind.ATTENTION ? attention : mlp);
        }
    }

    private final ModelConfig config;
    private final Options options;
    private final Map<GroupKind, double[][]> element = new EnumMap<>(GroupKind.class);
    private final Map<GroupKind, double[][]> signed = new EnumMap<>(GroupKind.class);
    private final Map<GroupKind, double[][]> mix = new EnumMap<>(GroupKind.class);

    private TaylorStats(ModelConfig config, Options options) {
        this.config = config;
        this.options = options;
        int n = config.numLayers();
        for (GroupKind k : GroupKind.values()) {
            element.put(k, new double[n][]);
            signed.put(k, new double[n][]);
            mix.put(k, new double[n][]);
            for (int l = 0; l < n; l++) {
                if (!options.scores(l, k)) continue;
                int groups = GroupAxis.groups(k, config.layer(l));
                element.get(k)[l] = new double[groups];
                signed.get(k)[l] = new double[groups];
                if (options.secondOrder) mix.get(k)[l] = new double[groups];
            }
        }
    }

    /** Runs the backward passes the options ask for over all calibration windows. */
    public static TaylorStats collect(CausalLM t, CalibrationData data, Options options, ProgressListener progress) {
        if (options.toLayer > t.config().numLayers())
            throw new IllegalArgumentException("layer range ends at " + options.toLayer + " but the model has "
                    + t.config().numLayers() + " layers");
        TaylorStats stats = new TaylorStats(t.config(), options);
        int n = data.windows();
        if (options.fromLayer == options.toLayer) return stats;   // nothing to score: no backward
        if (options.secondOrder && options.layersPerPass <= 0) stats.collectPerWindow(t, data, progress);
        else if (options.secondOrder) stats.collectAccumulated(t, data, 1, true, progress);
        else if (options.windowsPerBackward <= 0 || options.windowsPerBackward >= n) stats.collectStreaming(t, data, progress);
        else stats.collectAccumulated(t, data, options.windowsPerBackward, false, progress);
        return stats;
    }

    public Options options() { return options; }

    /** Whether groups of this kind in this layer were scored. */
    public boolean scored(int layer, GroupKind kind) { return options.scores(layer, kind); }

    /** Σ_{w∈G} |w·g| per group of the layer (a copy). */
    public double[] element(int layer, GroupKind kind) {
        return result(element, layer, kind).clone();
    }

    /** |Σ_{w∈G} w·g| per group of the layer. */
    public double[] vector(int layer, GroupKind kind) {
        double[] s = result(signed, layer, kind);
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) out[i] = Math.abs(s[i]);
        return out;
    }

    /** Σ_{w∈G} |w·g − ½·w²·F| per group of the layer (second order only). */
    public double[] mix(int layer, GroupKind kind) {
        if (!options.secondOrder)
            throw new IllegalStateException("second-order Taylor scores need calibration with secondOrder = true");
        return result(mix, layer, kind).clone();
    }

    private double[] result(Map<GroupKind, double[][]> map, int layer, GroupKind kind) {
        double[] r = map.get(kind)[layer];
        if (r == null) throw new IllegalStateException(kind + " groups of layer " + layer + " were not scored");
        return r;
    }

    /** The axis of a parameter when its gradient is to be scored, else null. */
    private GroupAxis scoredAxis(int layer, Param p, int passFrom, int passTo) {
        if (layer < passFrom || layer >= passTo) return null;
        GroupAxis axis = GroupAxis.of(p, config.layer(layer));
        return axis != null && options.scores(layer, axis.kind()) ? axis : null;
    }

    // ------------------------------------------------------------------ first order

    private void collectStreaming(CausalLM t, CalibrationData data, ProgressListener progress) {
        int n = data.windows(), span = options.toLayer - options.fromLayer;
        String what = "taylor gradients (backward, per scored layer)";
        progress.update(0, span, what);
        t.backward(data.batch(0, n), n, data.length(), Pass.plain(), new GradientSink() {
            private int lowest = options.toLayer;

            @Override
            public boolean wants(int layer, Param param) {
                return layer >= 0 && scoredAxis(layer, param, options.fromLayer, options.toLayer) != null;
            }

            @Override
            public void accept(int layer, Param param, Matrix weight, float[] grad) {
                GroupAxis axis = scoredAxis(layer, param, options.fromLayer, options.toLayer);
                axis.reduce(weight, (w, i) -> (double) w * grad[i],
                        element.get(axis.kind())[layer], signed.get(axis.kind())[layer]);
                if (layer < lowest) {       // layers come last to first: one step per layer reached
                    lowest = layer;
                    progress.update(options.toLayer - layer - 1, span, what);
                }
            }
        });
        progress.update(span, span, what);
    }

    // ------------------------------------------------------------------ second order, one backward

    /**
     * Second order in ONE backward over all windows: each scored weight's gradient comes once per
     * window ({@link GradientSink#windowRows}), Σg_i and Σg_i² of that weight alone are summed in
     * window order and reduced to its group scores at the last window, then dropped, before the
     * next weight's gradients exist. Memory: two fp32 copies of the largest scored weight, never
     * one for the whole model. The sums, window by window, are those of {@link #collectAccumulated}
     * with one window per backward, so the scores are the same bits whenever the GEMMs of a whole
     * batch and of one window take the same path (windows longer than Gemm's small-m cut, 32 rows).
     */
    private void collectPerWindow(CausalLM t, CalibrationData data, ProgressListener progress) {
        int n = data.windows(), len = data.length(), span = options.toLayer - options.fromLayer;
        progress.update(0, span, "taylor gradients (per window, one backward)");
        t.backward(data.batch(0, n), n, len, Pass.plain(), new GradientSink() {
            private Moments current;
            private int lowestDone = options.toLayer;

            @Override
            public boolean wants(int layer, Param param) {
                return layer >= 0 && scoredAxis(layer, param, options.fromLayer, options.toLayer) != null;
            }

            @Override
            public int windowRows() { return len; }

            @Override
            public void accept(int layer, Param param, Matrix weight, float[] grad) {
                throw new IllegalStateException("whole-batch gradient given to a per-window sink");
            }

            @Override
            public void acceptWindow(int layer, Param param, Matrix weight, int window, float[] grad) {
                if (window == 0) current = new Moments(layer, param, weight, scoredAxis(layer, param, options.fromLayer,
                        options.toLayer), new float[grad.length], new float[grad.length]);
                Moments m = current;
                if (m == null || m.layer != layer || m.param != param)
                    throw new IllegalStateException("window " + window + " of " + param + " in layer " + layer + " out of order");
                float[] s = m.sum, q = m.squares;
                for (int i = 0; i < grad.length; i++) s[i] += grad[i] * 1f;
                for (int i = 0; i < grad.length; i++) q[i] += grad[i] * grad[i];
                if (window == n - 1) {
                    reduceAccumulated(m, n);
                    current = null;
                    if (layer < lowestDone) {
                        lowestDone = layer;
                        progress.update(options.toLayer - layer, span, "taylor gradients (per window, one backward)");
                    }
                }
            }
        });
        progress.update(span, span, "taylor gradients (per window, one backward)");
    }

    // ------------------------------------------------------------------ accumulated

    /** Σ over windows of the gradient (and of its square, per window) of one scored tensor. */
    private record Moments(int layer, Param param, Matrix weight, GroupAxis axis, float[] sum, float[] squares) {}

    /**
     * Backward over {@code perBackward} windows at a time; per scored weight, adds the batch's
     * gradient times its window count (so the total is Σ over windows of per-window gradients)
     * and, with {@code squares} (then perBackward = 1), the squared per-window gradient.
     */
    private void collectAccumulated(CausalLM t, CalibrationData data, int perBackward, boolean squares,
                                    ProgressListener progress) {
        int span = options.toLayer - options.fromLayer;
        int perPass = options.layersPerPass <= 0 ? Math.max(1, span) : options.layersPerPass;
        int passes = Math.max(1, (span + perPass - 1) / perPass);
        int n = data.windows();
        int calls = (n + perBackward - 1) / perBackward;
        long total = (long) passes * calls;
        for (int pass = 0; pass < passes; pass++) {
            int from = options.fromLayer + pass * perPass, to = Math.min(options.toLayer, from + perPass);
            Map<String, Moments> moments = new LinkedHashMap<>();
            int[] batchSize = new int[1];
            GradientSink sink = new GradientSink() {
                @Override
                public boolean wants(int layer, Param param) {
                    return layer >= 0 && scoredAxis(layer, param, from, to) != null;
                }

                @Override
                public void accept(int layer, Param param, Matrix weight, float[] grad) {
                    Moments m = moments.computeIfAbsent(param.tensorName(layer), k -> new Moments(layer, param,
                            weight, scoredAxis(layer, param, from, to), new float[grad.length],
                            squares ? new float[grad.length] : null));
                    float[] s = m.sum, q = m.squares;
                    float b = batchSize[0];
                    for (int i = 0; i < grad.length; i++) s[i] += grad[i] * b;
                    if (q != null) for (int i = 0; i < grad.length; i++) q[i] += grad[i] * grad[i];
                }
            };
            for (int c = 0; c < calls; c++) {
                int first = c * perBackward, count = Math.min(perBackward, n - first);
                batchSize[0] = count;
                t.backward(data.batch(first, count), count, data.length(), Pass.plain(), sink);
                progress.update((long) pass * calls + c + 1, total, "taylor gradients");
            }
            for (Moments m : moments.values()) reduceAccumulated(m, n);
        }
    }

    private void reduceAccumulated(Moments m, int n) {
        float[] s = m.sum, q = m.squares;
        double inv = 1.0 / n;
        GroupKind k = m.axis.kind();
        m.axis.reduce(m.weight, (w, i) -> w * (s[i] * inv), element.get(k)[m.layer], signed.get(k)[m.layer]);
        if (q == null) return;
        m.axis.reduce(m.weight, (w, i) -> {
            double ww = w;
            return ww * (s[i] * inv) - 0.5 * ww * ww * (q[i] * inv);
        }, mix.get(k)[m.layer], null);
    }
}
