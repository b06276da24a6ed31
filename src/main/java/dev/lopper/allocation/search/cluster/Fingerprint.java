package dev.lopper.allocation.search.cluster;

import dev.lopper.io.Tokenizer;
import dev.lopper.model.ModelConfig;
import dev.lopper.tensor.Simd;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What decides a fitness evaluation's bits on a machine, as digests: the weight files (SHA-256 of
 * each, as run.json records them), the model's configuration as loaded (position encoding
 * included), the tokenizer (its whole vocabulary and special ids) and the Vector API width the
 * kernels use (lane partial sums depend on it). Driver and worker compute it alike; any
 * difference refuses the worker.
 */
public record Fingerprint(String[] weights, String config, String tokenizer, int vectorBits) implements Serializable {

    public static Fingerprint of(List<String> weightSha256, ModelConfig config, Tokenizer tokenizer) {
        return new Fingerprint(weightSha256.toArray(String[]::new), sha256(config.toString()), tokenizerDigest(tokenizer),
                Simd.bits());
    }

    /** What differs from the driver's ({@code this}), for one line; empty when nothing does. */
    public String differences(Fingerprint worker) {
        List<String> d = new ArrayList<>();
        if (!java.util.Arrays.equals(weights, worker.weights))
            d.add("model weights differ (driver sha256 " + brief(weights) + ", worker " + brief(worker.weights) + ")");
        if (!config.equals(worker.config))
            d.add("model configuration differs (config digest driver " + config.substring(0, 12) + ", worker "
                    + worker.config.substring(0, 12) + "; same --position?)");
        if (!tokenizer.equals(worker.tokenizer))
            d.add("tokenizer differs (digest driver " + tokenizer.substring(0, 12) + ", worker "
                    + worker.tokenizer.substring(0, 12) + ")");
        if (vectorBits != worker.vectorBits)
            d.add("vector width differs (driver " + vectorBits + " bits, worker " + worker.vectorBits + " bits)");
        return String.join("; ", d);
    }

    private static String brief(String[] shas) {
        List<String> b = new ArrayList<>();
        for (String s : shas) b.add(s.length() > 12 ? s.substring(0, 12) + "…" : s);
        return b.size() == 1 ? b.getFirst() : b.toString();
    }

    /** A digest of everything the tokenizer maps: size, special ids, and every token's text. */
    static String tokenizerDigest(Tokenizer t) {
        MessageDigest m = digest();
        m.update(("vocab " + t.vocabSize() + " bos " + t.bosId() + " eos " + t.eosId() + " addBos "
                + t.addBosByDefault() + "\n").getBytes(StandardCharsets.UTF_8));
        for (int id = 0; id < t.vocabSize(); id++) {
            m.update(t.decode(new int[]{id}).getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
        }
        return HexFormat.of().formatHex(m.digest());
    }

    static String sha256(String s) {
        return HexFormat.of().formatHex(digest().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
