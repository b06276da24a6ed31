package dev.lopper.allocation.search.cluster;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.search.EventLog;
import dev.lopper.allocation.search.RunFolder;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.util.ProgressListener;
import dev.lopper.util.Sha256;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The driver's side ({@code lopper search --cluster}): a Hazelcast member listening where the user
 * said, which hands each batch of candidates to the workers that joined and passed the handshake,
 * one candidate per worker at a time. The handshake: the worker's {@link Fingerprint} must equal
 * the driver's and its answer to a random challenge must prove the secret; then it receives the
 * {@link FitnessSpec} and must return its digest. A worker that leaves (killed, cut off) loses
 * nothing: the engine fails its pending task ({@link MemberLeftException}) and the candidate goes
 * back to the front of the queue for another worker; a result counts once, whoever sent it. A
 * worker that joins mid-run gets the next candidate once its handshake is done. All state changes
 * on the thread that runs the search (the engine's callbacks only post to {@link #inbox}).
 */
public final class ClusterEvaluator implements SearchJob.RemoteEvaluator {
    private final Address listen;
    private final Secret secret;
    private final Fingerprint expected;
    private final FitnessSpec spec;
    private final String specDigest;
    private final RunFolder folder;
    private final ProgressListener progress;
    private final Consumer<String> notices;
    private final HazelcastInstance hz;
    private final IExecutorService control, eval;
    private final BlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final Map<UUID, Peer> peers = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private long evaluations, resubmitted;
    private final long openedNanos;
    private final double listenSeconds;
    private double firstEvaluationSeconds = Double.NaN;

    // The batch being evaluated.
    private long batchId;
    private double[] out;
    private boolean[] done;
    private int left;
    private final ArrayDeque<Integer> pending = new ArrayDeque<>();
    private List<RemovalCounts> candidates;
    private int windows;

    /** A worker as the driver sees it. */
    private static final class Peer {
        final Member member;
        String name;
        long pid;
        String state = "joining";   // joining, ready, refused, left, finished
        String why;
        long evaluations, joinedAt;
        int busy = -1;
        long busyBatch;

        Peer(Member member) {
            this.member = member;
            this.name = member.getAddress().toString();
        }
    }

    private ClusterEvaluator(Address listen, Secret secret, Fingerprint expected, FitnessSpec spec, RunFolder folder,
                             ProgressListener progress, Consumer<String> notices, HazelcastInstance hz,
                             long openedNanos) {
        this.openedNanos = openedNanos;
        this.listenSeconds = (System.nanoTime() - openedNanos) / 1e9;
        this.listen = listen;
        this.secret = secret;
        this.expected = expected;
        this.spec = spec;
        this.specDigest = spec.digest();
        this.folder = folder;
        this.progress = progress;
        this.notices = notices;
        this.hz = hz;
        this.control = hz.getExecutorService(Engine.CONTROL);
        this.eval = hz.getExecutorService(Engine.EVAL);
    }

    /**
     * Where {@code lopper search --cluster} runs its evaluations: a cluster whose driver listens on {@code listen};
     * {@code notices} prints lines for the user, naming the settings they mention ({@link Setting#mention()}).
     */
    public static SearchJob.Remote remote(Address listen, Secret secret, Consumer<String> notices) {
        return (in, o, windows, folder, progress) -> {
            Fingerprint expected = Fingerprint.of(weights(in), in.dense().config(), in.tokenizer());
            FitnessSpec spec = FitnessSpec.of(UUID.randomUUID().toString(), o.fitness(), o.topK(), o.batch(), windows,
                    in.scores());
            long opened = System.nanoTime();
            InetAddress bind = listen.resolve(Setting.CLUSTER);
            HazelcastInstance hz;
            try {
                hz = Engine.driver(listen, bind, secret);
            } catch (RuntimeException e) {
                throw new BadSettingException(Setting.CLUSTER, listen + ": cannot listen there: " + e.getMessage(), e);
            }
            ClusterEvaluator c = new ClusterEvaluator(listen, secret, expected, spec, folder, progress, notices, hz,
                    opened);
            c.start();
            return c;
        };
    }

    /** The weight files' SHA-256 as the search's identity has them (else computed). */
    private static List<String> weights(SearchJob.Inputs in) {
        if (in.identity().get("weights") instanceof List<?> l && !l.isEmpty()) return l.stream().map(String::valueOf).toList();
        return Sha256.weightFiles(in.modelDir()).stream().map(d -> d.sha256()).toList();
    }

    private void start() {
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                inbox.add(() -> joined(e.getMember()));
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                inbox.add(() -> {
                    Peer p = peers.get(e.getMember().getUuid());
                    if (p != null) gone(p, "left the cluster");
                });
            }
        });
        for (Member m : hz.getCluster().getMembers()) inbox.add(() -> joined(m));
        notices.accept("cluster: listening on " + listen + "; start workers with: " + workerCommand());
        record();
    }

    @Override
    public int batch() {
        return Integer.MAX_VALUE;   // a whole generation (stage) at once: the workers share it
    }

    @Override
    public double[] evaluateAll(List<RemovalCounts> cands, int windows) {
        batchId++;
        candidates = cands;
        this.windows = windows;
        out = new double[cands.size()];
        done = new boolean[cands.size()];
        left = cands.size();
        pending.clear();
        for (int i = 0; i < cands.size(); i++) pending.add(i);
        boolean told = false;
        try {
            while (left > 0) {
                for (Runnable r; (r = inbox.poll()) != null; ) r.run();
                dispatch();
                if (left == 0) break;
                boolean anyone = peers.values().stream().anyMatch(p -> p.state.equals("ready") || p.state.equals("joining"));
                if (!anyone && !told) {
                    notices.accept("cluster: waiting for a worker (" + workerCommand() + ")");
                    told = true;
                }
                Runnable r = inbox.poll(1, TimeUnit.SECONDS);
                if (r != null) r.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        record();
        return out;
    }

    private void dispatch() {
        for (Peer p : peers.values()) {
            if (!p.state.equals("ready") || p.busy >= 0) continue;
            Integer i;
            while ((i = pending.poll()) != null && done[i]) { /* evaluated meanwhile */ }
            if (i == null) return;
            submit(p, i);
        }
    }

    private void submit(Peer p, int i) {
        p.busy = i;
        p.busyBatch = batchId;
        long b = batchId;
        RemovalCounts c = candidates.get(i);
        try {
            eval.submitToMember(new Tasks.Evaluate(spec.run(), c.attention(), c.mlp(), windows), p.member,
                    new ExecutionCallback<Double>() {
                        @Override
                        public void onResponse(Double v) {
                            inbox.add(() -> evaluated(p, b, i, v));
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            inbox.add(() -> failed(p, b, i, t));
                        }
                    });
        } catch (RuntimeException e) {
            failed(p, b, i, e);
        }
    }

    private void evaluated(Peer p, long b, int i, double v) {
        if (p.busy == i && p.busyBatch == b) p.busy = -1;
        if (b != batchId || done[i]) return;   // already counted (its first worker answered after all)
        out[i] = v;
        done[i] = true;
        if (evaluations == 0) firstEvaluationSeconds = (System.nanoTime() - openedNanos) / 1e9;
        left--;
        p.evaluations++;
        evaluations++;
        progress.update(out.length - left, out.length, "evaluations by worker: " + perWorker());
    }

    private void failed(Peer p, long b, int i, Throwable t) {
        if (p.busy == i && p.busyBatch == b) p.busy = -1;
        if (t instanceof MemberLeftException || t instanceof TargetNotMemberException
                || t instanceof HazelcastInstanceNotActiveException || !hz.getCluster().getMembers().contains(p.member)) {
            if (b == batchId && !done[i]) requeue(i);
            gone(p, "left during an evaluation");
            return;
        }
        throw new IllegalStateException("worker " + p.name + " failed an evaluation: " + t, t);
    }

    private void requeue(int i) {
        if (!pending.contains(i)) {
            pending.addFirst(i);
            resubmitted++;
        }
    }

    /** A worker left: its pending candidate goes to another. */
    private void gone(Peer p, String why) {
        if (p.busy >= 0 && p.busyBatch == batchId && !done[p.busy]) requeue(p.busy);
        p.busy = -1;
        if (!p.state.equals("ready") && !p.state.equals("joining")) return;
        p.state = "left";
        p.why = why;
        notices.accept("cluster: worker " + p.name + " " + why + "; its work goes to the others");
        folder.event("worker", EventLog.fields("worker", p.name, "state", "left"));
        record();
    }

    private void joined(Member m) {
        if (!Engine.WORKER.equals(m.getAttribute(Engine.ROLE)) || peers.containsKey(m.getUuid())) return;
        Peer p = new Peer(m);
        p.joinedAt = evaluations;
        peers.put(m.getUuid(), p);
        byte[] challenge = new byte[32];
        random.nextBytes(challenge);
        control.submitToMember(new Tasks.Hello(challenge), m, new ExecutionCallback<Tasks.HelloReply>() {
            @Override
            public void onResponse(Tasks.HelloReply reply) {
                inbox.add(() -> helloed(p, challenge, reply));
            }

            @Override
            public void onFailure(Throwable t) {
                inbox.add(() -> handshakeFailed(p, t));
            }
        });
    }

    private void helloed(Peer p, byte[] challenge, Tasks.HelloReply reply) {
        if (!p.state.equals("joining")) return;
        p.name = reply.name() + " (pid " + reply.pid() + ")";
        p.pid = reply.pid();
        if (!MessageDigest.isEqual(secret.answer(challenge, p.member.getUuid().toString()), reply.answer())) {
            refuse(p, "it does not hold this cluster's " + Secret.VARIABLE);
            return;
        }
        String diff = expected.differences(reply.fingerprint());
        if (!diff.isEmpty()) {
            refuse(p, diff);
            return;
        }
        control.submitToMember(new Tasks.Setup(spec), p.member, new ExecutionCallback<String>() {
            @Override
            public void onResponse(String digest) {
                inbox.add(() -> setUp(p, digest));
            }

            @Override
            public void onFailure(Throwable t) {
                inbox.add(() -> handshakeFailed(p, t));
            }
        });
    }

    private void setUp(Peer p, String digest) {
        if (!p.state.equals("joining")) return;
        if (!specDigest.equals(digest)) {
            refuse(p, "the fitness windows and scores it received differ (digest " + digest.substring(0, 12)
                    + ", sent " + specDigest.substring(0, 12) + ")");
            return;
        }
        p.state = "ready";
        notices.accept("cluster: worker " + p.name + " joined (same model, tokenizer, vector width, fitness windows)");
        folder.event("worker", EventLog.fields("worker", p.name, "state", "joined", "afterEvaluations", evaluations));
        record();
    }

    private void handshakeFailed(Peer p, Throwable t) {
        if (!hz.getCluster().getMembers().contains(p.member)) {
            gone(p, "left during its handshake");
            return;
        }
        refuse(p, "its handshake failed: " + t);
    }

    /** The command that starts a worker here; the notices' sink names the options ({@link Setting#mention()}). */
    private String workerCommand() {
        return "lopper worker " + Setting.JOIN.mention() + " " + listen + " " + Setting.MODEL.mention() + " MODEL";
    }

    private void refuse(Peer p, String why) {
        p.state = "refused";
        p.why = why;
        notices.accept("cluster: worker " + p.name + " refused: " + why);
        folder.event("worker", EventLog.fields("worker", p.name, "state", "refused", "why", why));
        control.submitToMember(new Tasks.Finish(why), p.member);
        record();
    }

    private String perWorker() {
        StringBuilder b = new StringBuilder();
        for (Peer p : peers.values()) {
            if (p.evaluations == 0 && !p.state.equals("ready")) continue;
            b.append(b.isEmpty() ? "" : ", ").append(p.name).append(' ').append(p.evaluations);
        }
        return b.toString();
    }

    /** The members in run.json (never the secret). */
    private void record() {
        List<Map<String, Object>> members = new ArrayList<>();
        for (Peer p : peers.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("worker", p.name);
            m.put("state", p.state);
            if (p.why != null) m.put("why", p.why);
            m.put("evaluations", p.evaluations);
            m.put("joinedAfterEvaluations", p.joinedAt);
            members.add(m);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("engine", "Hazelcast " + com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion());
        c.put("listen", listen.toString());
        c.put("secondsToListen", listenSeconds);
        if (!Double.isNaN(firstEvaluationSeconds)) c.put("secondsToFirstEvaluation", firstEvaluationSeconds);
        c.put("evaluations", evaluations);
        c.put("resubmitted", resubmitted);
        c.put("members", members);
        folder.record("cluster", c);
    }

    /** Tells every worker the search ended (they exit), records the members, leaves the cluster. */
    @Override
    public void close() {
        try {
            for (Runnable r; (r = inbox.poll()) != null; ) {
                try {
                    r.run();
                } catch (RuntimeException ignored) {
                    // a late failure of a finished search's evaluation: nothing waits for it
                }
            }
            List<Future<Boolean>> bye = new ArrayList<>();
            for (Peer p : peers.values()) {
                if (!p.state.equals("ready") && !p.state.equals("joining")) continue;
                bye.add(control.submitToMember(new Tasks.Finish(null), p.member));
                p.state = "finished";
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (Future<Boolean> f : bye) {
                try {
                    f.get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception gone) {
                    // a worker that left meanwhile has nothing to be told
                }
            }
            record();
        } finally {
            hz.shutdown();
        }
    }
}
