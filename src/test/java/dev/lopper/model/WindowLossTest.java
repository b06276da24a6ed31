package dev.lopper.model;

import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CausalLM's one NLL loop over windows (perplexity, the search's fitness, HyWIA's check, LoRA's evaluations). */
class WindowLossTest {
    @Test
    void sumsEveryWindowOnceInOrderAndReportsProgress() {
        LlamaModel m = TestModels.uneven(3, true, false, DType.F32);
        CausalLM t = CausalLM.of(m);
        int len = 9, windows = 7;
        Random rnd = new Random(5);
        int[] ids = new int[windows * len + 4];     // a remainder that no window reads
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(m.config().vocabSize());

        // By hand: each window alone, one forward each, summed in order.
        double nll = 0;
        long predicted = 0;
        for (int w = 0; w < windows; w++) {
            CausalLM.Loss l = t.loss(Arrays.copyOfRange(ids, w * len, (w + 1) * len), 1, len, Pass.plain());
            nll += l.sumNll();
            predicted += l.predicted();
        }

        List<Integer> heard = new ArrayList<>();
        CausalLM.Loss one = t.loss(CausalLM.Windows.consecutive(ids, len), windows, len, 1, Pass.plain(), heard::add);
        assertEquals(nll, one.sumNll(), 0, "one window per pass: the same sums as by hand, bit for bit");
        assertEquals(predicted, one.predicted());
        assertEquals((long) windows * (len - 1), one.predicted());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), heard);

        heard.clear();
        CausalLM.Loss three = t.loss(CausalLM.Windows.consecutive(ids, len), windows, len, 3, Pass.plain(), heard::add);
        assertEquals(List.of(3, 6, 7), heard, "passes of 3, 3 and the last 1 window");
        assertEquals(predicted, three.predicted());
        assertEquals(nll, three.sumNll(), 1e-9 * Math.abs(nll), "each window is scored alone, whatever the batch");
        assertEquals(nll / predicted, three.mean(), 1e-9);

        // Fewer windows than the text has: only the first ones.
        CausalLM.Loss first = t.loss(CausalLM.Windows.consecutive(ids, len), 2, len, 2, Pass.plain(), w -> {});
        CausalLM.Loss byHand = t.loss(Arrays.copyOfRange(ids, 0, 2 * len), 2, len, Pass.plain());
        assertEquals(byHand.sumNll(), first.sumNll(), 0);
    }
}
