package dev.lopper.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The options record of a pass and the checks of {@link CausalLM}'s entry points. */
class PassTest {
    private static final GradientSink NONE = new GradientSink() {
        @Override public boolean wants(int layer, Param param) { return false; }

        @Override public void accept(int layer, Param param, dev.lopper.tensor.Matrix weight, float[] grad) {}
    };

    @Test
    void factoriesSayWhatIsSetAndRefuseNull() {
        assertEquals(new Pass(null, null, false), Pass.plain());
        Masks m = Masks.ones(TestModels.uneven(1, false, false, DType.F32).config(), false);
        ForwardHook h = (layer, site, x, rows, cols) -> {};
        assertEquals(new Pass(m, h, true), Pass.masked(m).withHook(h).keepingActivations());
        assertEquals(new Pass(null, h, false), Pass.hooked(h));
        assertThrows(NullPointerException.class, () -> Pass.masked(null));
        assertThrows(NullPointerException.class, () -> Pass.hooked(null));
    }

    @Test
    void theHookSeesEveryLinearInputOfEveryEntryPointThatTakesIt() {
        CausalLM lm = CausalLM.of(TestModels.uneven(2, true, false, DType.F32));
        int layers = lm.config().numLayers();
        int[] tok = TestModels.tokens(3, 2 * 5, lm.config().vocabSize());
        List<String> seen = new ArrayList<>();
        Pass hooked = Pass.hooked((layer, site, x, rows, cols) -> seen.add(layer + " " + site + " " + rows));
        float[] plain = lm.logits(tok, 2, 5, Pass.plain());
        assertArrayEquals(plain, lm.logits(tok, 2, 5, hooked), 0f, "a hook that only reads changes nothing");
        assertEquals(layers * 4, seen.size());
        assertTrue(seen.contains("0 O_IN 10"), seen.toString());
        seen.clear();
        lm.loss(tok, 2, 5, hooked);
        assertEquals(layers * 4, seen.size());
        seen.clear();
        lm.forward(lm.newCache(5), new int[]{tok[0], tok[1]}, false, hooked);
        assertTrue(seen.contains((layers - 1) + " DOWN_IN 2"), seen.toString());
    }

    @Test
    void backwardTakesNoHookAndACacheBelongsToItsModel() {
        LlamaModel model = TestModels.uneven(4, false, false, DType.F32);
        CausalLM a = CausalLM.of(model), b = CausalLM.of(model);
        int[] tok = TestModels.tokens(5, 6, model.config().vocabSize());
        assertThrows(IllegalArgumentException.class,
                () -> a.backward(tok, 1, 6, Pass.hooked((layer, site, x, rows, cols) -> {}), NONE));
        CausalLM.KvCache cache = a.newCache(8);
        assertThrows(IllegalArgumentException.class, () -> b.forward(cache, tok, false, Pass.plain()));
        a.forward(cache, tok, false, Pass.plain());
        assertEquals(6, cache.length());
    }
}
