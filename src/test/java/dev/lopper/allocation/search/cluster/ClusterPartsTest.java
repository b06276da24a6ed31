package dev.lopper.allocation.search.cluster;

import dev.lopper.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The cluster's small parts: addresses, the secret's rule, what a refusal names, the fitness digest. */
class ClusterPartsTest {
    @Test
    void addressesParseWithLoopbackAsTheDefaultHost() {
        assertEquals(new Address("127.0.0.1", 5801), Address.parse("5801", dev.lopper.Setting.CLUSTER));
        assertEquals(new Address("10.0.0.5", 5701), Address.parse("10.0.0.5:5701", dev.lopper.Setting.JOIN));
        assertEquals(new Address("10.0.0.5", Address.DEFAULT_PORT), Address.parse("10.0.0.5", dev.lopper.Setting.JOIN));
        assertEquals(new Address("::1", 5701), Address.parse("[::1]:5701", dev.lopper.Setting.JOIN));
        BadInputException e = assertThrows(BadInputException.class, () -> Address.parse("host:port", dev.lopper.Setting.CLUSTER));
        assertTrue(e.getMessage().startsWith("cluster must be HOST:PORT"), e.getMessage());
        assertThrows(BadInputException.class, () -> Address.parse("host:70000", dev.lopper.Setting.JOIN));
    }

    @Test
    void theSecretIsRequiredOffLoopbackAndNamesTheClusterWithoutShowingIt() {
        Address loop = Address.parse("127.0.0.1:5701", dev.lopper.Setting.CLUSTER);
        Address lan = Address.parse("192.0.2.7:5701", dev.lopper.Setting.CLUSTER);
        assertNotNull(Secret.from(Map.of(), loop, dev.lopper.Setting.CLUSTER));
        BadInputException e = assertThrows(BadInputException.class, () -> Secret.from(Map.of(), lan, dev.lopper.Setting.CLUSTER));
        assertTrue(e.getMessage().contains(Secret.VARIABLE), e.getMessage());
        Secret a = Secret.from(Map.of(Secret.VARIABLE, "s3cret-value"), lan, dev.lopper.Setting.CLUSTER);
        Secret b = Secret.from(Map.of(Secret.VARIABLE, "other"), lan, dev.lopper.Setting.CLUSTER);
        assertNotEquals(a.clusterName(), b.clusterName());
        assertFalse(a.clusterName().contains("s3cret"));
        assertFalse(a.toString().contains("s3cret"));
        byte[] challenge = {1, 2, 3};
        assertArrayEquals(a.answer(challenge, "m1"), Secret.from(Map.of(Secret.VARIABLE, "s3cret-value"), lan, dev.lopper.Setting.JOIN)
                .answer(challenge, "m1"));
        assertFalse(java.util.Arrays.equals(a.answer(challenge, "m1"), b.answer(challenge, "m1")));
        assertFalse(java.util.Arrays.equals(a.answer(challenge, "m1"), a.answer(challenge, "m2")));
    }

    @Test
    void aRefusalNamesEachThingThatDiffers() {
        Fingerprint d = new Fingerprint(new String[]{"aa".repeat(32)}, "c".repeat(64), "t".repeat(64), 512);
        assertEquals("", d.differences(new Fingerprint(new String[]{"aa".repeat(32)}, "c".repeat(64), "t".repeat(64), 512)));
        assertEquals("vector width differs (driver 512 bits, worker 256 bits)",
                d.differences(new Fingerprint(new String[]{"aa".repeat(32)}, "c".repeat(64), "t".repeat(64), 256)));
        String both = d.differences(new Fingerprint(new String[]{"bb".repeat(32)}, "c".repeat(64), "u".repeat(64), 512));
        assertTrue(both.startsWith("model weights differ (driver sha256 aaaaaaaaaaaa…, worker bbbbbbbbbbbb…)"), both);
        assertTrue(both.contains("; tokenizer differs"), both);
        assertFalse(both.contains("\n"));
    }

    @Test
    void theFitnessDigestSeesOneTokenOrOneScoreBit() {
        double[][] att = {{0.5, 0.25}}, mlp = {{1, 2, 3}};
        FitnessSpec s = new FitnessSpec("r", "PPL", 512, 4, 2, 3, new int[]{1, 2, 3, 4, 5, 6}, "l2", att, mlp);
        String d = s.digest();
        assertEquals(d, new FitnessSpec("other run", "PPL", 512, 4, 2, 3, new int[]{1, 2, 3, 4, 5, 6}, "l2", att, mlp).digest());
        assertNotEquals(d, new FitnessSpec("r", "PPL", 512, 4, 2, 3, new int[]{1, 2, 3, 4, 5, 7}, "l2", att, mlp).digest());
        assertNotEquals(d, new FitnessSpec("r", "PPL", 512, 4, 2, 3, new int[]{1, 2, 3, 4, 5, 6}, "l2",
                new double[][]{{0.5, Math.nextUp(0.25)}}, mlp).digest());
        assertNotEquals(d, new FitnessSpec("r", "KL", 512, 4, 2, 3, new int[]{1, 2, 3, 4, 5, 6}, "l2", att, mlp).digest());
    }
}
