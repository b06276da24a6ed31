package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.model.ModelConfig;

/**
 * OWL rates (docs/METHODS.md "OWL rates"): per layer an outlier ratio D_l (the share of Wanda scores above M
 * times their mean, computed elsewhere) is rescaled to [0, 2λ] over the layers of the range,
 * and the rates are target − rescaled D shifted so the parameter-weighted mean meets the goal:
 * layers with more outliers are pruned less.
 */
public final class OwlAllocator extends RateAllocator {
    public static final double DEFAULT_LAMBDA = 0.08;

    private final double[] outlierRatios;
    private final double lambda;

    /** @param outlierRatios D_l for every layer of the model (layers outside the range are ignored) */
    public OwlAllocator(double[] outlierRatios) {
        this(outlierRatios, DEFAULT_LAMBDA);
    }

    public OwlAllocator(double[] outlierRatios, double lambda) {
        if (!(lambda >= 0 && lambda <= 0.5)) throw new BadInputException("OWL lambda " + lambda + " is outside [0, 0.5]");
        this.outlierRatios = outlierRatios.clone();
        this.lambda = lambda;
    }

    @Override
    public String name() { return "owl"; }

    @Override
    protected double[] offsets(ModelConfig config, Target target) {
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
