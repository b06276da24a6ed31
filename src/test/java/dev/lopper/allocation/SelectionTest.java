package dev.lopper.allocation;

import dev.lopper.importance.Scores;
import dev.lopper.surgery.KeepPlan;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SelectionTest {

    @Test
    void removesTheLowestScoresAndKeepsIndicesAscending() {
        Scores s = new Scores("t",
                new double[][]{{0.5, 0.1, 0.9, 0.3}, {1}},
                new double[][]{{5, 4, 3, 2, 1}, {2, 1}});
        KeepPlan p = Selection.select(s, new RemovalCounts(new int[]{2, 0}, new int[]{3, 1}));
        assertArrayEquals(new int[]{0, 2}, p.keptKvHeads()[0]);
        assertArrayEquals(new int[]{0}, p.keptKvHeads()[1]);
        assertArrayEquals(new int[]{0, 1}, p.keptChannels()[0]);
        assertArrayEquals(new int[]{0}, p.keptChannels()[1]);
        assertNull(p.oBiasDelta());
    }

    @Test
    void tiesGoToTheLowerIndex() {
        Scores s = new Scores("t", new double[][]{{1, 1, 1, 1}}, new double[][]{{2, 0, 2, 0, 2}});
        KeepPlan p = Selection.select(s, new RemovalCounts(new int[]{2}, new int[]{3}));
        assertArrayEquals(new int[]{2, 3}, p.keptKvHeads()[0]);
        assertArrayEquals(new int[]{2, 4}, p.keptChannels()[0]);
    }

    @Test
    void removingEverythingIsExpressible() {
        Scores s = new Scores("t", new double[][]{{1, 2}}, new double[][]{{}});
        KeepPlan p = Selection.select(s, new RemovalCounts(new int[]{2}, new int[]{0}));
        assertEquals(0, p.keptKvHeads()[0].length);
        assertEquals(0, p.keptChannels()[0].length);
    }
}
