package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.calib.ActivationStats;
import dev.lopper.calib.Statistic;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import dev.lopper.util.Lazy;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * OWL rates (docs/METHODS.md "OWL rates"): per layer an outlier ratio D_l (the share of Wanda scores above M
 * times their mean, computed elsewhere) is rescaled to [0, 2λ] over the layers of the range,
 * and the rates are target − rescaled D shifted so the parameter-weighted mean meets the goal:
 * layers with more outliers are pruned less.
 */
public final class OwlAllocator extends RateAllocator {
    public static final double DEFAULT_LAMBDA = 0.08;

    private final Supplier<double[]> outlierRatios;
    private final boolean measured;
    private final double lambda;

    /** @param outlierRatios D_l for every layer of the model (layers outside the range are ignored) */
    public OwlAllocator(double[] outlierRatios) {
        this(outlierRatios, DEFAULT_LAMBDA);
    }

    public OwlAllocator(double[] outlierRatios, double lambda) {
        double[] copy = outlierRatios.clone();
        this(() -> copy, false, lambda);
    }

    private OwlAllocator(Supplier<double[]> outlierRatios, boolean measured, double lambda) {
        if (!(lambda >= 0 && lambda <= 0.5)) throw new BadInputException("OWL lambda " + lambda + " is outside [0, 0.5]");
        this.outlierRatios = outlierRatios;
        this.measured = measured;
        this.lambda = lambda;
    }

    /**
     * OWL with the outlier ratios of {@code model} ({@link OutlierRatios}, M = {@value OutlierRatios#DEFAULT_M})
     * measured when first needed on the calibration activations {@code activations} supplies: it
     * {@linkplain #needs needs} {@link Statistic#ACTIVATIONS}.
     */
    public static OwlAllocator measured(LlamaModel model, Supplier<ActivationStats> activations) {
        return new OwlAllocator(Lazy.of(() -> OutlierRatios.compute(model, activations.get(), OutlierRatios.DEFAULT_M)),
                true, DEFAULT_LAMBDA);
    }

    @Override
    public String name() { return "owl"; }

    @Override
    public Set<Statistic> needs() {
        return measured ? EnumSet.of(Statistic.ACTIVATIONS) : EnumSet.noneOf(Statistic.class);
    }

    @Override
    protected double[] offsets(ModelConfig config, Target target) {
        double[] outlierRatios = this.outlierRatios.get();
        if (outlierRatios.length != config.numLayers())
            throw new BadInputException("OWL needs one outlier ratio per layer: got " + outlierRatios.length
                    + " for " + config.numLayers() + " layers");
        LayerRange r = target.range();
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int l = r.start(); l < r.end(); l++) {
            double d = outlierRatios[l];
            if (!Double.isFinite(d) || d < 0)
                throw new BadInputException("OWL outlier ratio of layer " + l + " is " + d + ", not a number >= 0");
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        double[] off = new double[config.numLayers()];
        for (int l = r.start(); l < r.end(); l++) {
            double scaled = max > min ? (outlierRatios[l] - min) / (max - min) * 2 * lambda : 0;
            off[l] = -scaled;
        }
        return off;
    }
}
