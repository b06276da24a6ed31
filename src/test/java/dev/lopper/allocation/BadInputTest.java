package dev.lopper.allocation;

import dev.lopper.BadInputException;
import dev.lopper.importance.Scores;
import dev.lopper.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.lopper.allocation.AllocationFixtures.config;
import static dev.lopper.allocation.AllocationFixtures.scores;
import static org.junit.jupiter.api.Assertions.*;

/** Each bad input gives a BadInputException whose message says what is wrong and where. */
class BadInputTest {
    @TempDir
    Path dir;

    private static void fails(Executable e, String... parts) {
        BadInputException x = assertThrows(BadInputException.class, e);
        // As the CLI prints it: a setting the message mentions is named by its option.
        String m = x.message(s -> "--" + s.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        for (String p : parts) assertTrue(m.contains(p), "'" + m + "' lacks '" + p + "'");
    }

    @Test
    void ratioOutsideZeroToOne() {
        ModelConfig c = config(false);
        fails(() -> Target.of(1.0, c), "pruning ratio 1.0 is outside [0, 1)");
        fails(() -> Target.of(-0.1, c), "outside [0, 1)");
        fails(() -> Target.of(Double.NaN, c), "outside [0, 1)");
    }

    @Test
    void layerRangeOutsideTheModel() {
        ModelConfig c = config(false);
        Target t = Target.of(0.1, c);
        fails(() -> new UniformAllocator().allocate(c, t.withRange(new LayerRange(4, 17))), "[4, 17)", "16 layers");
        fails(() -> new UniformAllocator().allocate(c, t.withRange(new LayerRange(-1, 3))), "[-1, 3)");
        fails(() -> new UniformAllocator().allocate(c, t.withRange(new LayerRange(5, 5))), "[5, 5)");
        fails(() -> dev.lopper.util.Choices.parse(Modules.class, "heads", "modules"), "attention, mlp, both", "heads");
    }

    @Test
    void unreachableWithoutEmptyingALayerSaysWhichLayerAndTheOption() {
        ModelConfig c = config(false);
        // Attention only, in layers 4..6: at most 3 + 1 + 1 groups may go.
        Target t = Target.of(0.2, c).withModules(Modules.ATTENTION).withRange(new LayerRange(4, 7));
        for (Allocator a : new Allocator[]{new UniformAllocator(), new OwlAllocator(new double[16]),
                new FlapGlobalAllocator(scores(c, 1))}) {
            fails(() -> a.allocate(c, t), "pruning ratio 0.2", "without emptying a layer", "layer 4 attention",
                    "--allow-empty-layers permits that");
        }
        // Allowing empty layers still cannot remove more than there is.
        fails(() -> new UniformAllocator().allocate(c, t.withAllowEmptyLayers(true)), "hold only", "prunable parameters");
    }

    @Test
    void allowEmptyLayersPermitsEmptying() {
        ModelConfig c = config(false);
        Target t = Target.of(0.03, c).withModules(Modules.ATTENTION).withRange(new LayerRange(4, 7)).withAllowEmptyLayers(true);
        RemovalCounts counts = new UniformAllocator().allocate(c, t);
        AllocationFixtures.assertMeets(c, t, counts);
    }

    @Test
    void fixedRatesThatEmptyALayerOrLieOutsideTheRange() {
        ModelConfig c = config(false);
        double[] rates = new double[16];
        rates[5] = 0.75;   // 2 kv heads: round(1.5) = 2, all of them
        fails(() -> new FixedRatesAllocator(rates).allocate(c, Target.of(0.1, c)), "layer 5", "all 2 attention groups",
                "--allow-empty-layers");
        rates[5] = 0.1;
        fails(() -> new FixedRatesAllocator(rates).allocate(c, Target.of(0.1, c).withRange(new LayerRange(6, 10))),
                "layer 5 has rate 0.1", "outside the layer range [6, 10)");
        fails(() -> new FixedRatesAllocator(new double[3]).allocate(c, Target.of(0.1, c)), "3 rates", "16 layers");
    }

    @Test
    void scoresThatDoNotFitTheModel() {
        ModelConfig c = config(false);
        Scores s = scores(c, 1);
        s.mlp()[3] = new double[5];
        fails(() -> new FlapGlobalAllocator(s).allocate(c, Target.of(0.1, c)), "5 MLP channels in layer 3", "the model has 64");
        Scores nan = scores(c, 1);
        nan.attention()[2][1] = Double.NaN;
        fails(() -> Selection.select(nan, new RemovalCounts(new int[16], new int[16])), "attention group 1 in layer 2 is NaN");
        fails(() -> Selection.select(scores(c, 1), new RemovalCounts(new int[]{5, 0}, new int[2])), "cover 16 layers");
        int[] tooMany = new int[16];
        tooMany[0] = 5;
        fails(() -> Selection.select(scores(c, 1), new RemovalCounts(tooMany, new int[16])),
                "cannot remove 5 attention groups from layer 0, which has 4");
        fails(() -> new OwlAllocator(new double[4]).allocate(c, Target.of(0.1, c)), "one outlier ratio per layer", "4");
    }

    // ------------------------------------------------------------------ rate files

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void rateFilesInBothFormats() throws IOException {
        assertArrayEquals(new double[]{0.1, 0.2, 0}, RateFile.read(file("r.json", "[0.1,\n 0.2, 0]\n"), 3));
        assertArrayEquals(new double[]{0.1, 0.2, 0}, RateFile.read(file("r.txt", "# rates\n0.1\n\n0.2\n0\n"), 3));
        FixedRatesAllocator a = FixedRatesAllocator.fromFile(file("r16.txt", "0.5\n".repeat(16)), 16);
        assertEquals(32, a.allocate(config(false), Target.of(0, config(false))).mlp()[0]);
    }

    @Test
    void badRateFilesNameFileLineAndProblem() throws IOException {
        Path p = file("bad.txt", "0.1\n0.2\nabc\n");
        fails(() -> RateFile.read(p, 3), p.toString(), "line 3", "'abc' is not a number");
        Path q = file("big.txt", "0.1\n\n1.2\n");
        fails(() -> RateFile.read(q, 2), q.toString(), "line 3", "rate 1.2 of layer 1 is outside [0, 1)");
        Path r = file("short.json", "[0.1, 0.2]");
        fails(() -> RateFile.read(r, 3), r.toString(), "has 2 rates but the model has 3 layers");
        Path s = file("neg.json", "[0.1,\n-0.2,\n0.3]");
        fails(() -> RateFile.read(s, 3), "line 2", "rate -0.2");
        Path t = file("text.json", "[0.1,\n\"x\"]");
        fails(() -> RateFile.read(t, 2), "line 2", "'x' is not a number");
        Path u = file("broken.json", "[0.1,\n0.2");
        fails(() -> RateFile.read(u, 2), u.toString(), "line 2");
        fails(() -> RateFile.read(dir.resolve("missing.txt"), 2), "missing.txt", "cannot read");
    }
}
