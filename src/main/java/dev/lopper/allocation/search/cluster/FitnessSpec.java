package dev.lopper.allocation.search.cluster;

import dev.lopper.allocation.search.MaskedFitness;
import dev.lopper.calib.CalibrationData;
import dev.lopper.importance.Scores;
import dev.lopper.model.LlamaModel;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * What a worker needs besides its model to compute the driver's fitness: the fitness windows'
 * tokens, the importance scores that decide which groups a candidate's counts remove, and the
 * fitness settings. Sent once per search; the worker returns the {@link #digest} of what it
 * received, which must equal the driver's.
 */
public record FitnessSpec(String run, String kind, int topK, int batch, int windows, int length, int[] tokens,
                          String criterion, double[][] attention, double[][] mlp) implements Serializable {

    public static FitnessSpec of(String run, MaskedFitness.Kind kind, int topK, int batch, CalibrationData windows,
                                 Scores scores) {
        return new FitnessSpec(run, kind.name(), topK, batch, windows.windows(), windows.length(),
                windows.batch(0, windows.windows()), scores.criterion(), scores.attention(), scores.mlp());
    }

    /** The fitness this spec describes on {@code dense} (one thread: the worker runs one evaluation at a time). */
    public MaskedFitness open(LlamaModel dense) {
        return new MaskedFitness(dense, new Scores(criterion, attention, mlp),
                CalibrationData.consecutive(tokens, windows, length), MaskedFitness.Kind.valueOf(kind), topK, batch, 1);
    }

    /** SHA-256 of the settings, the window tokens and the scores' bits. */
    public String digest() {
        MessageDigest m = Fingerprint.digest();
        m.update((kind + " topK " + topK + " batch " + batch + " windows " + windows + " length " + length + " "
                + criterion + "\n").getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.allocate(8);
        for (int t : tokens) m.update(b.clear().putInt(t).array(), 0, 4);
        for (double[][] table : new double[][][]{attention, mlp}) {
            m.update(b.clear().putInt(table.length).array(), 0, 4);
            for (double[] row : table) {
                m.update(b.clear().putInt(row.length).array(), 0, 4);
                for (double v : row) m.update(b.clear().putLong(Double.doubleToRawLongBits(v)).array(), 0, 8);
            }
        }
        return HexFormat.of().formatHex(m.digest());
    }
}
