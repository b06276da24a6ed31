package dev.lopper.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lopper.tensor.DType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WorkArraysTest {

    @Test
    void reusedArraysComeBackZeroedAndOnlyOnce() {
        WorkArrays w = new WorkArrays();
        assertTrue(w.begin());
        float[] a = w.zeroed(5);
        Arrays.fill(a, 3f);
        w.release(a, a);            // the second release of the same array is ignored
        float[] b = w.zeroed(5);
        assertSame(a, b);
        assertArrayEquals(new float[5], b);
        assertNotSame(b, w.zeroed(5), "released once, handed out once");
        assertEquals(4, w.zeroed(4).length, "exact lengths only");
        w.end();
    }

    @Test
    void arraysUnusedForAWholeCallAreDropped() {
        WorkArrays w = new WorkArrays();
        w.begin();
        float[] a = w.zeroed(7);
        w.release(a);
        w.end();
        w.begin();                  // a is still available during the next call...
        w.end();
        w.begin();                  // ...but not after a call that did not take it
        assertNotSame(a, w.zeroed(7));
        w.end();
    }

    @Test
    void oneCallAtATime() {
        WorkArrays w = new WorkArrays();
        assertTrue(w.begin());
        assertFalse(w.begin());
        w.end();
        assertTrue(w.begin());
    }

    @Test
    void repeatedCallsOfOtherShapesGiveTheSameResults() {
        Transformer t = new Transformer(TestModels.uneven(3, true, false, DType.F32));
        int vocab = t.config().vocabSize();
        int[] a = TestModels.tokens(1, 2 * 6, vocab), b = TestModels.tokens(2, 3 * 5, vocab);
        double first = t.loss(a, 2, 6, Pass.plain()).sumNll();
        float[] logitsB = t.logits(b, 3, 5, Pass.plain());
        GradientCheckTest.Keep g1 = new GradientCheckTest.Keep(), g2 = new GradientCheckTest.Keep();
        t.backward(b, 3, 5, Pass.plain(), g1);
        assertEquals(first, t.loss(a, 2, 6, Pass.plain()).sumNll(), 0.0, "bit for bit");
        assertArrayEquals(logitsB, t.logits(b, 3, 5, Pass.plain()), 0f);
        t.backward(b, 3, 5, Pass.plain(), g2);
        for (String name : g1.grads.keySet()) assertArrayEquals(g1.grads.get(name), g2.grads.get(name), 0f, name);
    }
}
