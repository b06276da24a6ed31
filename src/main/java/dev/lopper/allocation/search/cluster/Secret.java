package dev.lopper.allocation.search.cluster;

import dev.lopper.BadInputException;
import dev.lopper.Setting;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * The cluster's shared secret, from the environment variable {@value #VARIABLE} (never an option:
 * it must not reach a shell history, the run folder or a log). Required when the cluster listens
 * elsewhere than on loopback. It names the engine's cluster (a digest of it, so members without it
 * cannot join) and keys the challenge each worker answers before it gets work.
 */
public final class Secret {
    public static final String VARIABLE = "LOPPER_CLUSTER_SECRET";

    private final byte[] key;

    private Secret(byte[] key) {
        this.key = key;
    }

    /** The secret in {@code env}; refused when absent and {@code where} is not on loopback. */
    public static Secret from(Map<String, String> env, Address where, Setting option) {
        String s = env.get(VARIABLE);
        if (s == null || s.isEmpty()) {
            if (!where.loopback(option))
                throw new BadInputException(option.mention() + " " + where + " is not on loopback: set " + VARIABLE
                        + " (the same secret on the driver and every worker)");
            s = "";
        }
        return new Secret(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The engine's cluster name: a digest of the secret (the secret itself never leaves this JVM). */
    String clusterName() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(
                    ("lopper-cluster\0").getBytes(StandardCharsets.UTF_8));
            MessageDigest m = MessageDigest.getInstance("SHA-256");
            m.update(d);
            m.update(key);
            return "lopper-" + HexFormat.of().formatHex(m.digest(), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HMAC-SHA256 of the driver's challenge and the worker's member id, keyed by the secret. */
    byte[] answer(byte[] challenge, String memberId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            mac.update(challenge);
            return mac.doFinal(memberId.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "Secret(hidden)";
    }
}
