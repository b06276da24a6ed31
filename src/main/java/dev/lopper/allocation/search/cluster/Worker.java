package dev.lopper.allocation.search.cluster;

import dev.lopper.Setting;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import dev.lopper.BadInputException;
import dev.lopper.allocation.RemovalCounts;
import dev.lopper.allocation.search.MaskedFitness;
import dev.lopper.model.LlamaModel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A worker ({@code lopper worker --join}): holds one loaded model for its whole life, joins the
 * driver's cluster when the driver answers (waiting for it before, and again if it goes away without
 * ending its search, e.g. killed and then resumed), evaluates what it is sent one at a time, and
 * returns when the driver says the search ended. Its state is node-local: the engine's tasks find
 * it through {@link #current()}.
 */
public final class Worker {
    private static volatile Worker current;

    private final Address driver;
    private final Secret secret;
    private final LlamaModel model;
    private final Fingerprint fingerprint;
    private final Consumer<String> notices;
    private final AtomicLong evaluations = new AtomicLong();
    private volatile HazelcastInstance hz;
    private volatile CompletableFuture<String> session;   // completes with null (finished) or a refusal; cancelled: driver gone
    private String run;
    private MaskedFitness fitness;

    private Worker(Address driver, Secret secret, LlamaModel model, Fingerprint fingerprint, Consumer<String> notices) {
        this.driver = driver;
        this.secret = secret;
        this.model = model;
        this.fingerprint = fingerprint;
        this.notices = notices;
    }

    static Worker current() {
        Worker w = current;
        if (w == null) throw new IllegalStateException("this member is not a worker");
        return w;
    }

    /**
     * Serves the driver at {@code driver} until its search ends; returns the evaluations done. A
     * refusal (another model, vector width, secret) is a {@link BadInputException} naming what differs.
     */
    public static long serve(Address driver, Secret secret, LlamaModel model, Fingerprint fingerprint,
                             Consumer<String> notices) throws InterruptedException {
        Worker w = new Worker(driver, secret, model, fingerprint, notices);
        current = w;
        try {
            return w.loop();
        } finally {
            current = null;
        }
    }

    private long loop() throws InterruptedException {
        boolean told = false, toldRefused = false;
        while (true) {
            InetAddress local = probe();
            if (local == null) {
                if (!told) notices.accept("waiting for the driver at " + driver);
                told = true;
                Thread.sleep(1000);
                continue;
            }
            session = new CompletableFuture<>();
            hz = Engine.worker(driver, local, secret);
            hz.getCluster().addMembershipListener(new MembershipListener() {
                @Override
                public void memberAdded(MembershipEvent e) {}

                @Override
                public void memberRemoved(MembershipEvent e) {
                    if (isDriver(e.getMember())) session.cancel(false);
                }
            });
            if (hz.getCluster().getMembers().stream().noneMatch(Worker::isDriver)) {
                hz.shutdown();
                if (!toldRefused) notices.accept(driver + " answered but did not take this worker in (is "
                        + Secret.VARIABLE + " the same on both sides?); trying again");
                toldRefused = true;
                Thread.sleep(2000);
                continue;
            }
            notices.accept("joined the driver at " + driver + " as " + hz.getCluster().getLocalMember().getAddress());
            String refusal;
            try {
                refusal = session.get();
            } catch (java.util.concurrent.CancellationException gone) {
                hz.shutdown();
                closeFitness();
                notices.accept("the driver left before its search ended; waiting for it again");
                told = true;
                continue;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            Thread.sleep(200);   // lets the Finish task's reply reach the driver
            hz.shutdown();
            closeFitness();
            if (refusal != null) throw new BadInputException("refused by the driver at " + driver + ": " + refusal);
            return evaluations.get();
        }
    }

    private static boolean isDriver(Member m) {
        return Engine.DRIVER.equals(m.getAttribute(Engine.ROLE));
    }

    /** The local address that reaches the driver, or null when nothing listens there yet. */
    private InetAddress probe() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(driver.resolve(Setting.JOIN), driver.port()), 2000);
            return s.getLocalAddress();
        } catch (IOException notYet) {
            return null;
        }
    }

    Tasks.HelloReply hello(byte[] challenge, Member self) {
        return new Tasks.HelloReply(self.getAddress().toString(), ProcessHandle.current().pid(), fingerprint,
                secret.answer(challenge, self.getUuid().toString()));
    }

    synchronized String setup(FitnessSpec spec) {
        closeFitness();
        fitness = spec.open(model);
        run = spec.run();
        notices.accept("search " + spec.run().substring(0, 8) + ": " + spec.kind().toLowerCase() + " on " + spec.windows()
                + " windows of " + spec.length() + " tokens");
        return spec.digest();
    }

    double evaluate(String forRun, int[] attention, int[] mlp, int windows) {
        MaskedFitness f;
        synchronized (this) {
            if (!forRun.equals(run)) throw new IllegalStateException("worker not set up for search " + forRun);
            f = fitness;
        }
        double v = f.evaluate(new RemovalCounts(attention, mlp), windows);
        evaluations.incrementAndGet();
        return v;
    }

    void finish(String refusal) {
        session.complete(refusal);
    }

    private synchronized void closeFitness() {
        if (fitness != null) fitness.close();
        fitness = null;
        run = null;
    }
}
