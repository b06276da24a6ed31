package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.model.ModelConfig;
import dev.lopper.surgery.Groups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code --round-to N}: MLP widths that engines run fast. Odd widths (445 channels) leave GEMM
 * tiles and quantisation blocks partly empty; llama.cpp's Q8_0 needs rows of whole 32-value blocks.
 *
 * <p>Lopper's design: every pruned layer's kept MLP width is first rounded down to a multiple of
 * N (removing more than the allocator asked); then, to come back to the target, the layers
 * whose allocated width was closest to the next multiple get N channels back, one by one, as
 * many as bring the removed parameters nearest the allocator's total (ties: lower layer first).
 * The widths thus differ from the allocation by less than N per layer, and the total from the
 * allocation's by at most half of N channels' parameters. Attention groups are already whole
 * and stay as allocated. Layers outside the pruned range keep their width.
 */
public final class WidthRounding {
    private WidthRounding() {}

    /** The rounded counts and how close they stay to the allocation. */
    public record Rounded(RemovalCounts counts, int multiple, double allocatedFraction, double roundedFraction,
                          List<Integer> layersNotMultiple) {}

    public static Rounded apply(ModelConfig c, RemovalCounts counts, Target target, int n) {
        if (n <= 0) throw new BadSettingException(Setting.ROUND_TO, "must be a positive number of channels, got " + n);
        int layers = counts.layers();
        int[] mlp = counts.mlp().clone();
        boolean prunesMlp = target.modules() != Modules.ATTENTION;
        List<Integer> exposed = new ArrayList<>();
        long perChannel = 0;
        List<int[]> candidates = new ArrayList<>();       // {layer, distance to the next multiple}
        for (int l = 0; l < layers; l++) {
            int width = c.layer(l).intermediate();
            boolean rounded = prunesMlp && l >= target.range().start() && l < target.range().end();
            if (!rounded) {
                if ((width - mlp[l]) % n != 0) exposed.add(l);
                continue;
            }
            perChannel = Groups.mlpChannel(c, l);
            int kept = width - mlp[l];
            int down = kept / n * n;
            int min = target.allowEmptyLayers() ? 0 : n;
            if (down < min) down = Math.min(min, width / n * n);
            if (down == 0 && !target.allowEmptyLayers())
                throw new BadInputException("layer " + l + " has only " + width + " MLP channels, fewer than "
                        + Setting.ROUND_TO.mention() + " " + n + "; use a smaller " + Setting.ROUND_TO.mention() + " or "
                        + Setting.ALLOW_EMPTY_LAYERS.mention());
            mlp[l] = width - down;
            if (down + n <= width) candidates.add(new int[]{l, down + n - kept});
        }
        long want = counts.removedParameters(c);
        long have = new RemovalCounts(counts.attention(), mlp).removedParameters(c);
        candidates.sort(Comparator.<int[]>comparingInt(x -> x[1]).thenComparingInt(x -> x[0]));
        for (int[] cand : candidates) {
            long back = (long) n * perChannel;
            // Give N channels back while that brings the total closer to the allocation.
            if (Math.abs(have - back - want) >= Math.abs(have - want)) break;
            mlp[cand[0]] -= n;
            have -= back;
        }
        RemovalCounts out = new RemovalCounts(counts.attention(), mlp);
        return new Rounded(out, n, counts.removedFraction(c), out.removedFraction(c), List.copyOf(exposed));
    }
}
