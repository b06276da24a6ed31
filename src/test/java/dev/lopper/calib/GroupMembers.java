package dev.lopper.calib;

import dev.lopper.model.GroupAxis;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Param;
import dev.lopper.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * Lists the weights of one prunable group with plain loops written from docs/ARCHITECTURE.md ("The group table"), independent
 * of {@link GroupAxis}: the reference for tests of group reductions.
 */
public final class GroupMembers {
    private GroupMembers() {}

    /** One weight: its tensor and flat index. */
    public record Member(Param param, int index) {}

    public static List<Member> attention(LlamaModel m, int layer, int kvHead) {
        LayerShape s = m.config().layer(layer);
        int d = s.headDim(), g = s.groupSize(), hidden = m.config().hiddenSize(), qDim = s.qDim();
        List<Member> out = new ArrayList<>();
        for (int h = kvHead * g; h < (kvHead + 1) * g; h++) {
            for (int r = h * d; r < h * d + d; r++) {
                for (int c = 0; c < hidden; c++) out.add(new Member(Param.Q, r * hidden + c));
                if (has(m, layer, Param.BQ)) out.add(new Member(Param.BQ, r));
                // o_proj is [hidden, qDim]: column r of every row
                for (int row = 0; row < hidden; row++) out.add(new Member(Param.O, row * qDim + r));
            }
        }
        for (int r = kvHead * d; r < kvHead * d + d; r++) {
            for (int c = 0; c < hidden; c++) {
                out.add(new Member(Param.K, r * hidden + c));
                out.add(new Member(Param.V, r * hidden + c));
            }
            if (has(m, layer, Param.BK)) out.add(new Member(Param.BK, r));
            if (has(m, layer, Param.BV)) out.add(new Member(Param.BV, r));
        }
        return out;
    }

    public static List<Member> mlp(LlamaModel m, int layer, int channel) {
        LayerShape s = m.config().layer(layer);
        int hidden = m.config().hiddenSize(), f = s.intermediate();
        List<Member> out = new ArrayList<>();
        for (int c = 0; c < hidden; c++) {
            out.add(new Member(Param.GATE, channel * hidden + c));
            out.add(new Member(Param.UP, channel * hidden + c));
            out.add(new Member(Param.DOWN, c * f + channel));
        }
        if (has(m, layer, Param.BGATE)) out.add(new Member(Param.BGATE, channel));
        if (has(m, layer, Param.BUP)) out.add(new Member(Param.BUP, channel));
        return out;
    }

    private static boolean has(LlamaModel m, int layer, Param p) {
        return p.of(m, layer) != null;
    }

    /** The weight value of a member. */
    public static double weight(LlamaModel m, int layer, Member x) {
        Matrix w = x.param().of(m, layer);
        return w.getFlat(x.index());
    }
}
