package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import dev.lopper.model.ModelConfig;

import java.nio.file.Path;

/**
 * Explicit per-layer rates (allocation {@code file}), applied as given to each enabled module:
 * round(rate × groups) per layer. The target's fraction is not used — the rates define how much
 * goes (read the result with {@link RemovalCounts#removedFraction}); its modules, layer range
 * (a layer outside it must have rate 0) and allowEmptyLayers are.
 */
public final class FixedRatesAllocator implements Allocator {
    private final double[] rates;
    private final String source;

    public FixedRatesAllocator(double[] rates) {
        this(rates, "the rate list");
    }

    private FixedRatesAllocator(double[] rates, String source) {
        this.rates = rates.clone();
        this.source = source;
    }

    /** Rates from a file (see {@link RateFile} for the format). */
    public static FixedRatesAllocator fromFile(Path file, int layers) {
        return new FixedRatesAllocator(RateFile.read(file, layers), file.toString());
    }

    @Override
    public String name() { return "file"; }

    @Override
    public RemovalCounts allocate(ModelConfig config, Target target) {
        target.check(config);
        if (rates.length != config.numLayers())
            throw new BadInputException(source + " has " + rates.length + " rates but the model has "
                    + config.numLayers() + " layers");
        int n = config.numLayers();
        int[] att = new int[n], mlp = new int[n];
        for (int l = 0; l < n; l++) {
            double r = rates[l];
            if (!(r >= 0 && r < 1))
                throw new BadInputException(source + ": rate " + r + " of layer " + l + " is outside [0, 1)");
            if (!target.range().contains(l)) {
                if (r != 0)
                    throw new BadInputException(source + ": layer " + l + " has rate " + r + " but lies outside the layer range "
                            + target.range());
                continue;
            }
            if (target.modules().attention()) att[l] = count(r, config.layer(l).kvHeads(), l, "attention groups", target);
            if (target.modules().mlp()) mlp[l] = count(r, config.layer(l).intermediate(), l, "MLP channels", target);
        }
        return new RemovalCounts(att, mlp);
    }

    private int count(double rate, int groups, int layer, String what, Target target) {
        int c = (int) Math.round(rate * groups);
        if (c == groups && groups > 0 && !target.allowEmptyLayers())
            throw new BadInputException(source + ": rate " + rate + " of layer " + layer + " would remove all " + groups
                    + " " + what + "; " + Setting.ALLOW_EMPTY_LAYERS.mention() + " permits that");
        return c;
    }
}
