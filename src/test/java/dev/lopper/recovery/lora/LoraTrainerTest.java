package dev.lopper.recovery.lora;

import dev.lopper.BadInputException;
import dev.lopper.model.Adapter;
import dev.lopper.model.CausalLM;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.TestModels;
import dev.lopper.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The training loop on a small random model: a run stopped after a checkpoint and resumed in a
 * fresh trainer ends with the same bits as one that never stopped; a checkpoint of another run is
 * refused; distillation from the model itself starts at zero loss; training lowers the loss.
 */
class LoraTrainerTest {
    @TempDir
    Path tmp;

    static final LoraSettings SETTINGS = new LoraSettings(2, 4, 0.1, EnumSet.allOf(Projection.class));

    static TrainingText text(int vocab, int n, long seed) {
        int[] ids = TestModels.tokens(seed, n, vocab);
        float[] w = new float[n];
        Arrays.fill(w, 1f);
        return new TrainingText("random", Path.of("random.txt"), DataFormat.TEXT, "random ids", ids, w, 1);
    }

    static TrainOptions options(int steps, int checkpointEvery, double kd) {
        return new TrainOptions(8, 2, 2, steps, 0, 1e-2, 2, 0.01, 1.0, 3, 0, checkpointEvery, 11, kd, 2.0);
    }

    record Run(LoraTrainer trainer, LoraWeights lora) {}

    static Run trainer(LlamaModel m, TrainOptions o, LlamaModel teacher) {
        LoraWeights lora = LoraWeights.init(m, SETTINGS, o.seed());
        TrainingText t = text(m.config().vocabSize(), 8 * 9, 1);
        var eval = new LoraTrainer.EvalWindows(TestModels.tokens(2, 8 * 3, m.config().vocabSize()), 3, 8);
        return new Run(new LoraTrainer(CausalLM.of(m), lora, t, eval,
                teacher == null ? null : new LoraTrainer.Teacher(CausalLM.of(teacher)), o), lora);
    }

    static final LoraTrainer.Listener QUIET = new LoraTrainer.Listener() {
        @Override
        public void step(LoraTrainer.Point p, int total) {}

        @Override
        public void eval(LoraTrainer.EvalPoint p) {}
    };

    static final class Killed extends RuntimeException {}

    @Test
    void resumedAfterAKillEqualsTheUninterruptedRunBitForBit() {
        LlamaModel m = TestModels.uneven(1, true, false, DType.F32);
        LlamaModel teacher = TestModels.uneven(2, true, false, DType.F32);
        TrainOptions o = options(7, 2, 0.3);     // 7 steps > 4.5 windows per epoch: crosses an epoch too
        Run whole = trainer(m, o, teacher);
        whole.trainer().run(QUIET, null);

        Path dir = tmp.resolve("ckpt");
        Run cut = trainer(m, o, teacher);
        LoraTrainer.Listener killAt5 = new LoraTrainer.Listener() {
            @Override
            public void step(LoraTrainer.Point p, int total) {
                if (p.step() == 5) throw new Killed();     // after the checkpoint of step 4, mid-way to the next
            }

            @Override
            public void eval(LoraTrainer.EvalPoint p) {}
        };
        assertThrows(Killed.class, () -> cut.trainer().run(killAt5, t -> LoraCheckpoint.write(dir, t, "run-a")));
        assertTrue(LoraCheckpoint.latest(dir).getFileName().toString().equals("step-00000004.json"));

        Run resumed = trainer(m, o, teacher);
        assertEquals(4, LoraCheckpoint.resume(dir, resumed.trainer(), "run-a"));
        resumed.trainer().run(QUIET, t -> LoraCheckpoint.write(dir, t, "run-a"));

        List<Adapter> a = whole.lora().all(), b = resumed.lora().all();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).a, b.get(i).a, "A of adapter " + i);
            assertArrayEquals(a.get(i).b, b.get(i).b, "B of adapter " + i);
        }
        assertEquals(whole.trainer().points(), resumed.trainer().points());
        assertEquals(whole.trainer().evals(), resumed.trainer().evals());
        // And the adapters did move: the test would not pass on a run that changed nothing.
        assertNotEquals(0f, a.getFirst().b[0]);
    }

    @Test
    void aCheckpointOfAnotherRunIsRefused() {
        LlamaModel m = TestModels.uneven(3, false, false, DType.F32);
        Path dir = tmp.resolve("ckpt");
        Run first = trainer(m, options(4, 2, 0), null);
        first.trainer().run(QUIET, t -> LoraCheckpoint.write(dir, t, "run-a"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> LoraCheckpoint.resume(dir, trainer(m, options(4, 2, 0), null).trainer(), "run-b"));
        assertTrue(e.getMessage().contains("another run"), e.getMessage());
    }

    @Test
    void distillingFromTheModelItselfStartsAtZeroLoss() {
        LlamaModel m = TestModels.uneven(4, true, false, DType.F32);
        // pure KD, no dropout effect on the first step's loss: B = 0, so the student is the teacher
        Run r = trainer(m, options(1, 0, 1.0), m);
        r.trainer().run(QUIET, null);
        assertEquals(0.0, r.trainer().points().getFirst().loss(), 1e-5);
    }

    @Test
    void trainingLowersTheLoss() {
        LlamaModel m = TestModels.uneven(5, false, false, DType.F32);
        LoraWeights lora = LoraWeights.init(m, SETTINGS, 1);
        TrainingText t = text(m.config().vocabSize(), 8 * 4, 1);     // few windows, many steps: it must fit them
        TrainOptions o = new TrainOptions(8, 4, 1, 40, 0, 2e-2, 2, 0, 1.0, 0, 0, 0, 3, 0, 1);
        LoraTrainer tr = new LoraTrainer(CausalLM.of(m), lora, t, null, null, o);
        tr.run(QUIET, null);
        double first = tr.points().getFirst().loss(), last = tr.points().getLast().loss();
        assertTrue(last < first - 0.3, first + " -> " + last);
    }
}
