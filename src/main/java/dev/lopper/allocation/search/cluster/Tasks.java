package dev.lopper.allocation.search.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * The messages the driver sends a worker through the engine's executor; each runs on the worker
 * against its node-local state ({@link Worker#current}), which keeps the loaded model between tasks.
 */
final class Tasks {
    private Tasks() {}

    /**
     * Who the worker is and what it holds; {@code answer} proves it knows the secret. It may arrive
     * before the worker's member has finished joining, so it takes the member from the engine.
     */
    static final class Hello implements Callable<HelloReply>, Serializable, HazelcastInstanceAware {
        private final byte[] challenge;
        private transient HazelcastInstance hz;

        Hello(byte[] challenge) {
            this.challenge = challenge.clone();
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hz) {
            this.hz = hz;
        }

        @Override
        public HelloReply call() {
            return Worker.current().hello(challenge, hz.getCluster().getLocalMember());
        }
    }

    record HelloReply(String name, long pid, Fingerprint fingerprint, byte[] answer) implements Serializable {}

    /** Builds the search's fitness on the worker; returns the digest of what arrived. */
    record Setup(FitnessSpec spec) implements Callable<String>, Serializable {
        @Override
        public String call() {
            return Worker.current().setup(spec);
        }
    }

    /** One fitness evaluation: the candidate's removal counts on the first {@code windows} windows. */
    record Evaluate(String run, int[] attention, int[] mlp, int windows) implements Callable<Double>, Serializable {
        @Override
        public Double call() {
            return Worker.current().evaluate(run, attention, mlp, windows);
        }
    }

    /** The search ended ({@code refusal} null) or the worker is refused (why, in one line): it exits. */
    record Finish(String refusal) implements Callable<Boolean>, Serializable {
        @Override
        public Boolean call() {
            Worker.current().finish(refusal);
            return true;
        }
    }
}
