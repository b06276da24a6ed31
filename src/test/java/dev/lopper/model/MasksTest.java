package dev.lopper.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

/** Masks are laid out by the group table: one value per group, scaling the group's output-projection columns. */
class MasksTest {

    @Test
    void oneValuePerGroupOfEachKind() {
        ModelConfig c = TestModels.uneven(1, false, false, DType.F32).config();   // GQA: 4 heads on 2 kv heads, then 2 on 1
        Masks m = Masks.ones(c, true);
        assertEquals(2, m.values(GroupKind.ATTENTION, 0).length);
        assertEquals(1, m.values(GroupKind.ATTENTION, 1).length);
        assertEquals(12, m.values(GroupKind.MLP, 0).length);
        assertEquals(7, m.gradients(GroupKind.MLP, 1).length);
        m.drop(GroupKind.ATTENTION, 0, 1);
        assertArrayEquals(new float[]{1, 0}, m.values(GroupKind.ATTENTION, 0));
    }

    /**
     * A mask value a on attention group j equals multiplying o_proj's columns of j's query heads
     * (2 heads of 4 = 8 columns from 8·j) by a; on MLP channel c, down_proj's column c.
     */
    @Test
    void aGroupsMaskScalesItsOutputProjectionColumns() {
        LlamaModel scaled = TestModels.uneven(2, true, false, DType.F32);
        LlamaModel masked = TestModels.uneven(2, true, false, DType.F32);
        int[] tok = TestModels.tokens(3, 2 * 6, masked.config().vocabSize());
        float[] dense = new Transformer(masked).logits(tok, 2, 6, Pass.plain());
        Masks m = Masks.ones(masked.config(), false);
        m.values(GroupKind.ATTENTION, 0)[1] = 0.37f;
        m.values(GroupKind.MLP, 1)[5] = 1.6f;
        float[] got = new Transformer(masked).logits(tok, 2, 6, Pass.masked(m));

        float[] wo = scaled.layer(0).wo().heapArray();        // [16, 16]: columns 8..15 are group 1's
        for (int r = 0; r < 16; r++) for (int col = 8; col < 16; col++) wo[r * 16 + col] *= 0.37f;
        float[] down = scaled.layer(1).down().heapArray();    // [16, 7]
        for (int r = 0; r < 16; r++) down[r * 7 + 5] *= 1.6f;
        float[] want = new Transformer(scaled).logits(tok, 2, 6, Pass.plain());

        double worst = 0, change = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
            change = Math.max(change, Math.abs(dense[i] - got[i]));
        }
        assertTrue(worst < 1e-5, "max |Δ| " + worst);
        assertTrue(change > 1e-3, "the masks should matter: " + change);
    }
}
