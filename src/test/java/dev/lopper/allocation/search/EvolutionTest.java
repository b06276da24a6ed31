package dev.lopper.allocation.search;

import dev.lopper.BadInputException;
import dev.lopper.util.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The ga search: reproducible, elitist, cached, and resumable after an interruption mid-generation. */
class EvolutionTest {
    @TempDir
    Path tmp;

    static final Evolution.Settings SETTINGS = new Evolution.Settings(6, 3, 3, 4, 42, new int[]{1, 3}, 0.5);

    private static Map<String, Object> settings(Evolution.Settings s) {
        return Map.of("population", s.population(), "seed", s.seed(), "generations", s.generations());
    }

    private Evolution.Result search(Path dir, Evolution.Settings s, Evolution.AfterEvaluation hook, boolean resume) {
        MaskedFitnessTest.load0();
        try (RunFolder folder = resume ? RunFolder.resume(dir, settings(s)) : RunFolder.create(dir, settings(s), Map.of(), false);
             MaskedFitness f = new MaskedFitness(MaskedFitnessTest.dense, MaskedFitnessTest.scores, MaskedFitnessTest.data,
                     MaskedFitness.Kind.PPL, 1, 3, 1)) {
            SearchSpace space = MaskedFitnessTest.space;
            List<Evolution.Seed> seeds = List.of(new Evolution.Seed("uniform", space.uniform().rates()));
            return new Evolution(space, f, new GaOperator(), s, folder, seeds, new Counters(), ProgressListener.NONE)
                    .onEvaluation(hook).run();
        }
    }

    @Test
    void sameSeedSameSearchAndTheBestIsNeverWorseThanUniform() {
        Evolution.Result a = search(tmp.resolve("a"), SETTINGS, e -> {}, false);
        Evolution.Result b = search(tmp.resolve("b"), SETTINGS, e -> {}, false);
        assertArrayEquals(a.best().rates(), b.best().rates());
        assertEquals(a.best().fitness(), b.best().fitness());
        assertEquals(a.evaluations(), b.evaluations());
        assertTrue(a.best().fitness() <= a.seeds().get("uniform").fitness());
        // Best-so-far never rises, and every evaluation was of a new (candidate, stage).
        for (int i = 1; i < a.curve().size(); i++) assertTrue(a.curve().get(i)[1] <= a.curve().get(i - 1)[1]);
        assertTrue(a.evaluations() <= 6 + 4 * 6 * 2L);
        Evolution.Result other = search(tmp.resolve("c"), new Evolution.Settings(6, 3, 3, 4, 43, new int[]{1, 3}, 0.5),
                e -> {}, false);
        assertNotEquals(a.evaluations() + "" + a.best().candidate().key(),
                other.evaluations() + "" + other.best().candidate().key(), "another seed searches differently");
    }

    static final class Stop extends RuntimeException {}

    @Test
    void interruptedMidGenerationAndResumedGivesTheUninterruptedRun() throws Exception {
        Evolution.Result whole = search(tmp.resolve("whole"), SETTINGS, e -> {}, false);
        Path dir = tmp.resolve("cut");
        // Stop in the middle of generation 2 (after the initial population and generation 1).
        long stopAt = 6 + whole.evaluations() / 4 + 2;
        assertThrows(Stop.class, () -> search(dir, SETTINGS, e -> {
            if (e == stopAt) throw new Stop();
        }, false));
        RunFolder.Checkpoint cp;
        try (RunFolder f = RunFolder.resume(dir, settings(SETTINGS))) {
            cp = f.readCheckpoint();
        }
        assertTrue(cp.generation() < SETTINGS.generations(), "stopped before the end");
        // Issue 18 defect 8: the interrupted run's best-rates.json says it is provisional (prune warns on it).
        String provisional = Files.readString(dir.resolve(RunFolder.BEST_RATES));
        assertTrue(provisional.contains("\"provisional\"") && provisional.contains("of " + SETTINGS.generations()),
                provisional);
        Evolution.Result resumed = search(dir, SETTINGS, e -> {}, true);
        assertArrayEquals(whole.best().rates(), resumed.best().rates());
        assertEquals(whole.best().fitness(), resumed.best().fitness());
        assertEquals(whole.evaluations(), resumed.evaluations());
        assertEquals(whole.curve().size(), resumed.curve().size());
        // The log reads as the uninterrupted one, but for the line that says it resumed.
        List<String> a = Files.readAllLines(tmp.resolve("whole").resolve(RunFolder.EVENTS));
        List<String> b = new ArrayList<>(Files.readAllLines(dir.resolve(RunFolder.EVENTS)));
        b.removeIf(l -> l.startsWith("{\"type\":\"resume\""));
        assertEquals(a, b);
    }

    @Test
    void resumingWithOtherSettingsChangesNothing() throws Exception {
        Path dir = tmp.resolve("r");
        search(dir, SETTINGS, e -> {}, false);
        byte[] before = Files.readAllBytes(dir.resolve(RunFolder.EVENTS));
        byte[] cp = Files.readAllBytes(dir.resolve(RunFolder.CHECKPOINT));
        Evolution.Settings other = new Evolution.Settings(6, 3, 3, 4, 7, new int[]{1, 3}, 0.5);
        BadInputException e = assertThrows(BadInputException.class, () -> RunFolder.resume(dir, settings(other)));
        assertTrue(e.getMessage().contains("seed"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(RunFolder.EVENTS)));
        assertArrayEquals(cp, Files.readAllBytes(dir.resolve(RunFolder.CHECKPOINT)));
        assertThrows(BadInputException.class, () -> RunFolder.create(dir, settings(SETTINGS), Map.of(), false));
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(RunFolder.EVENTS)));
    }
}
