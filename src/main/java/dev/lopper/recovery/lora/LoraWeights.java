package dev.lopper.recovery.lora;

import dev.lopper.BadInputException;
import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.model.Adapter;
import dev.lopper.model.Adapters;
import dev.lopper.model.LayerWeights;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The adapters of one model: per layer, an {@link Adapter} on each targeted projection that has
 * a width (an emptied block gets none). Initialised as PEFT does: A from Kaiming-uniform with
 * a = √5 (uniform in ±1/√in), B zero, so training starts at the base model's function.
 */
public final class LoraWeights implements Adapters {
    private final LoraSettings settings;
    private final List<Map<Projection, Adapter>> layers;
    private long dropoutSeed;

    LoraWeights(LoraSettings settings, List<Map<Projection, Adapter>> layers) {
        this.settings = settings;
        this.layers = layers;
    }

    /** Fresh adapters for {@code base}; a rank above a targeted projection's smaller side is bad input. */
    public static LoraWeights init(LlamaModel base, LoraSettings settings, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Map<Projection, Adapter>> layers = new ArrayList<>();
        for (int l = 0; l < base.config().numLayers(); l++) {
            Map<Projection, Adapter> map = new EnumMap<>(Projection.class);
            for (Projection p : settings.targets()) {
                Matrix w = p.param.of(base, l);
                if (w == null || w.rows() == 0 || w.cols() == 0) continue;
                checkRank(settings.rank(), w, l, p);
                int r = settings.rank(), in = w.cols(), out = w.rows();
                float[] a = new float[r * in];
                double bound = 1.0 / Math.sqrt(in);
                for (int i = 0; i < a.length; i++) a[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
                map.put(p, new Adapter(r, in, out, settings.scale(), a, new float[out * r]));
            }
            layers.add(map);
        }
        if (layers.stream().allMatch(Map::isEmpty))
            throw new BadInputException(Setting.TARGET_MODULES.mention() + ": none of " + settings.targets() + " has any width left in the model");
        return new LoraWeights(settings, layers);
    }

    static void checkRank(int rank, Matrix w, int layer, Projection p) {
        int side = Math.min(w.rows(), w.cols());
        if (rank > side)
            throw new BadSettingException(Setting.RANK, rank + " is larger than layer " + layer + "'s " + p.module + " ("
                    + w.rows() + "×" + w.cols() + "); at most " + side + " fits every targeted projection");
    }

    public LoraSettings settings() { return settings; }

    public int layers() { return layers.size(); }

    /** The adapter on (layer, projection), or null. */
    public Adapter get(int layer, Projection p) { return layers.get(layer).get(p); }

    /** Every adapter in a fixed order (layers, then projections): what the optimiser and checkpoints walk. */
    public List<Adapter> all() {
        List<Adapter> out = new ArrayList<>();
        for (Map<Projection, Adapter> m : layers) out.addAll(m.values());
        return out;
    }

    /** (layer, projection) of each adapter of {@link #all}, same order. */
    public List<Map.Entry<Integer, Projection>> keys() {
        List<Map.Entry<Integer, Projection>> out = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) for (Projection p : layers.get(l).keySet()) out.add(Map.entry(l, p));
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (Adapter a : all()) n += a.a.length + (long) a.b.length;
        return n;
    }

    public void zeroGradients() {
        for (Adapter a : all()) a.zeroGradients();
    }

    /** Sets the seed of the next pass's dropout masks (a function of the step and micro-batch). */
    public void setDropoutSeed(long seed) { this.dropoutSeed = seed; }

    @Override
    public Adapter on(int layer, Param param) {
        for (Projection p : Projection.values())
            if (p.param == param) return layers.get(layer).get(p);
        return null;
    }

    @Override
    public float dropout() { return (float) settings.dropout(); }

    @Override
    public long dropoutSeed() { return dropoutSeed; }

    /** The same adapters without dropout: evaluation's view. */
    public Adapters withoutDropout() {
        LoraWeights self = this;
        return new Adapters() {
            @Override
            public Adapter on(int layer, Param p) { return self.on(layer, p); }

            @Override
            public float dropout() { return 0f; }

            @Override
            public long dropoutSeed() { return 0; }
        };
    }

    /**
     * The base with every adapter merged in, W' = W + (α/r)·B·A, each merged weight stored in its
     * base's dtype; the widths, and every other tensor, stay the base's.
     */
    public LlamaModel mergeInto(LlamaModel base) {
        List<LayerWeights> merged = new ArrayList<>();
        for (int l = 0; l < base.config().numLayers(); l++) {
            Map<Projection, Adapter> m = layers.get(l);
            int layer = l;
            merged.add(LayerWeights.from(param -> {
                Matrix w = param.of(base, layer);
                Projection p = projectionOf(param);
                Adapter ad = p == null ? null : m.get(p);
                if (ad == null) return w;
                float[] values = w.toFloats();
                float[] d = ad.delta();
                for (int i = 0; i < values.length; i++) values[i] += d[i];
                return Matrix.fromFloats(values, w.rows(), w.cols(), w.dtype());
            }));
        }
        return base.withLayers(base.config(), merged);
    }

    private static Projection projectionOf(Param param) {
        for (Projection p : Projection.values()) if (p.param == param) return p;
        return null;
    }
}
