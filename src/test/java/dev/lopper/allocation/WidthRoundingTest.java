package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.model.LayerShape;
import dev.lopper.model.Family;
import dev.lopper.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static org.junit.jupiter.api.Assertions.*;

/** --round-to: widths become multiples of N, the total stays as near the allocation as rounding allows. */
class WidthRoundingTest {
    static ModelConfig config(int layers, int width) {
        return ModelConfig.builder(Family.LLAMA)
                .hiddenSize(64).vocabSize(100).maxPositions(64)
                .layers(Collections.nCopies(layers, new LayerShape(4, 2, 16, width))).rmsNormEps(1e-5f)
                .ropeTheta(1e4f).bosTokenId(1).eosTokenId(2)
                .build();
    }

    @Test
    void widthsAreMultiplesAndTheTotalIsWithinHalfARoundingStep() {
        ModelConfig c = config(6, 768);
        // Allocated kept widths 445, 300, 700, 31+... : odd numbers, as a global threshold gives them.
        int[] kept = {445, 300, 700, 500, 333, 768};
        int[] remove = new int[6];
        for (int l = 0; l < 6; l++) remove[l] = 768 - kept[l];
        RemovalCounts counts = new RemovalCounts(new int[6], remove);
        Target t = Target.of(0.3, c);
        for (int n : new int[]{8, 32, 64, 128}) {
            WidthRounding.Rounded r = WidthRounding.apply(c, counts, t, n);
            long channelsAllocated = 0, channelsRounded = 0;
            for (int l = 0; l < 6; l++) {
                int width = 768 - r.counts().mlp()[l];
                assertEquals(0, width % n, "layer " + l + " width " + width + " is a multiple of " + n);
                assertTrue(Math.abs(width - kept[l]) < n, "layer " + l + ": within one step of the allocation");
                channelsAllocated += kept[l];
                channelsRounded += width;
            }
            assertTrue(Math.abs(channelsRounded - channelsAllocated) <= n / 2,
                    "n=" + n + ": total kept " + channelsRounded + " vs allocated " + channelsAllocated);
            assertArrayEquals(counts.attention(), r.counts().attention(), "attention groups untouched");
            assertEquals(r.roundedFraction(), r.counts().removedFraction(c), 1e-12);
        }
    }

    @Test
    void layersOutsideTheRangeAreLeftAndReported() {
        ModelConfig c = config(4, 100);      // 100 is not a multiple of 32
        RemovalCounts counts = new RemovalCounts(new int[4], new int[]{0, 37, 37, 0});
        Target t = new Target(0.2, Modules.BOTH, new LayerRange(1, 3), false);
        WidthRounding.Rounded r = WidthRounding.apply(c, counts, t, 32);
        assertEquals(0, r.counts().mlp()[0]);
        assertEquals(0, r.counts().mlp()[3]);
        assertEquals(0, (100 - r.counts().mlp()[1]) % 32);
        assertEquals(java.util.List.of(0, 3), r.layersNotMultiple());
    }

    @Test
    void aLayerNarrowerThanOneStepNeedsEmptyLayersAllowed() {
        ModelConfig c = config(2, 20);
        RemovalCounts counts = new RemovalCounts(new int[2], new int[]{5, 5});
        assertThrows(BadInputException.class, () -> WidthRounding.apply(c, counts, Target.of(0.1, c), 32));
        WidthRounding.Rounded r = WidthRounding.apply(c, counts, Target.of(0.1, c).withAllowEmptyLayers(true), 32);
        assertArrayEquals(new int[]{20, 20}, r.counts().mlp(), "both emptied: 0 is the only multiple of 32 below 20");
    }
}
