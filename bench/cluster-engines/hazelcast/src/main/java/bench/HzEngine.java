package bench;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The engine measurement for issue 21 (Hazelcast side). Modes:
 *   driver PORT WORKERS  : listens on 127.0.0.1:PORT, waits for WORKERS members, runs tasks, kills-test
 *   worker PORT          : joins 127.0.0.1:PORT, keeps a node-local "model" (loaded once), runs tasks
 * Prints one line per figure: ms from JVM start to a formed cluster, ms per round-trip task,
 * model loads per worker, and what the driver sees when a worker is SIGKILLed mid-task.
 */
public final class HzEngine {
    /** The node-local model: loaded once per JVM, kept between tasks. */
    static final class Model {
        static volatile int loads;
        static volatile float[] weights;
        static synchronized float[] get() {
            if (weights == null) { weights = new float[1 << 20]; loads++; }
            return weights;
        }
    }

    record Task(int i, long sleepMs) implements Callable<String>, Serializable {
        public String call() throws Exception {
            float[] w = Model.get();
            if (sleepMs > 0) Thread.sleep(sleepMs);
            return ProcessHandle.current().pid() + ":" + (w.length + i) + ":loads=" + Model.loads;
        }
    }

    static HazelcastInstance start(int port, boolean driver) {
        System.setProperty("hazelcast.logging.type", "none");
        Config c = new Config();
        c.setClusterName("bench");
        c.setProperty("hazelcast.logging.type", "none");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.getNetworkConfig().setPort(driver ? port : port + 1).setPortAutoIncrement(!driver);
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig j = c.getNetworkConfig().getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port);
        return Hazelcast.newHazelcastInstance(c);
    }

    static long sinceJvmStart() {
        return System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[1]);
        if (a[0].equals("worker")) {
            HazelcastInstance hz = start(port, false);
            System.out.println("worker joined, ms since JVM start: " + sinceJvmStart());
            while (hz.getLifecycleService().isRunning()) Thread.sleep(200);
            return;
        }
        int want = Integer.parseInt(a[2]);
        HazelcastInstance hz = start(port, true);
        System.out.println("driver member up, ms since JVM start: " + sinceJvmStart());
        while (hz.getCluster().getMembers().size() < want + 1) Thread.sleep(10);
        System.out.println("cluster formed (" + (want + 1) + " members), ms since driver JVM start: " + sinceJvmStart());
        IExecutorService ex = hz.getExecutorService("eval");
        Member worker = hz.getCluster().getMembers().stream().filter(m -> !m.localMember()).findFirst().orElseThrow();
        for (int i = 0; i < 20; i++) ex.submitToMember(new Task(i, 0), worker).get();   // warm-up
        int n = 500;
        long t0 = System.nanoTime();
        String last = null;
        for (int i = 0; i < n; i++) last = ex.submitToMember(new Task(i, 0), worker).get();
        System.out.printf("round trip per task (sequential, one worker): %.3f ms; last reply %s%n",
                (System.nanoTime() - t0) / 1e6 / n, last);
        // Fault: a long task on a worker that the script SIGKILLs.
        System.out.println("KILL-NOW pid-of-worker " + last.split(":")[0]);
        Future<String> f = ex.submitToMember(new Task(-1, 60_000), worker);
        long k0 = System.nanoTime();
        try {
            f.get();
            System.out.println("long task returned (unexpected)");
        } catch (ExecutionException e) {
            System.out.printf("after SIGKILL the driver's future failed with %s after %.0f ms (members now %d)%n",
                    e.getClass().getSimpleName(), (System.nanoTime() - k0) / 1e6,
                    hz.getCluster().getMembers().size());
        }
        hz.shutdown();
    }
}
