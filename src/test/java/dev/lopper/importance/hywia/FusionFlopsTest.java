package dev.lopper.importance.hywia;

import dev.lopper.model.Family;
import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fusion's projected arithmetic ({@link FusionTrainer#flops}) against hand arithmetic: a
 * step is a forward and a backward (2 forwards, LM head included) and the recomputation of the
 * layers whose activations are not kept (all, none, or the ones below the top layer); plus a
 * forward per hard-mask check.
 */
class FusionFlopsTest {
    static final int H = 16, V = 29, WINDOWS = 4, LEN = 8, FROM = 1;

    static ModelConfig config() {
        return ModelConfig.builder(Family.LLAMA).hiddenSize(H).vocabSize(V).maxPositions(64)
                .layers(List.of(new LayerShape(4, 2, 4, 12), new LayerShape(4, 4, 4, 9), new LayerShape(6, 3, 4, 10)))
                .rmsNormEps(1e-5f).ropeTheta(10000f).bosTokenId(1).eosTokenId(2).build();
    }

    /** 2·params + attention's 2·qDim·len a token, as a forward of layer l costs. */
    static double layer(ModelConfig c, int l) {
        return 2.0 * c.layerParameters(c.layer(l)) + 2.0 * c.layer(l).qDim() * LEN;
    }

    @Test
    void stepsCostTwoForwardsAndTheRecomputedLayers() {
        ModelConfig c = config();
        FusionOptions o = FusionOptions.DEFAULT;     // 80 steps: checks at 5, 10, …, 80 and the start: 17
        double tokens = WINDOWS * LEN;
        double forward = tokens * (2.0 * V * H + layer(c, 1) + layer(c, 2));
        assertEquals(80 * (2 * forward + tokens * (layer(c, 1) + layer(c, 2))) + 17 * forward,
                FusionTrainer.flops(c, o, WINDOWS, LEN, FROM, 0), 1e-6 * forward);
        assertEquals(80 * 2 * forward + 17 * forward, FusionTrainer.flops(c, o, WINDOWS, LEN, FROM, Long.MAX_VALUE),
                1e-6 * forward);
        // room for the top layer's activations only: layer 1 is recomputed
        long top = 4L * WINDOWS * LEN * (2 * H + 2 * 6 * 4 + 2 * 3 * 4 + 2 * 10 + 4);
        assertEquals(2, Transformer.firstKeptLayer(c, FROM, WINDOWS * LEN, top));
        assertEquals(3, Transformer.firstKeptLayer(c, FROM, WINDOWS * LEN, top - 1));
        assertEquals(80 * (2 * forward + tokens * layer(c, 1)) + 17 * forward,
                FusionTrainer.flops(c, o, WINDOWS, LEN, FROM, top), 1e-6 * forward);
    }

    /**
     * The rows the notice's GFLOP/s probe multiplies: passes of 2 windows are stacked into one
     * activation only when each pass (the last one too) has more than 32 rows.
     */
    @Test
    void productRowsAreTheStackedPassesOnlyWhenEveryPassIsBlocked() {
        assertEquals(16 * 64, FusionTrainer.productRows(16, 64));   // the defaults: 8 passes of 128 rows
        assertEquals(3 * 64, FusionTrainer.productRows(3, 64));     // passes of 128 and 64 rows
        assertEquals(2 * 16, FusionTrainer.productRows(4, 16));     // passes of 32 rows: each alone
        assertEquals(2 * 20, FusionTrainer.productRows(3, 20));     // the last pass has 20 rows: each alone
        assertEquals(40, FusionTrainer.productRows(1, 40));         // one window, one pass
    }
}
