package dev.lopper.allocation.search.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import java.net.InetAddress;

/**
 * The Hazelcast member each side embeds, configured in one place: quiet (no logging, no phone-home),
 * bound only to the given interface, joining by TCP to the driver's address (no multicast, no
 * discovery), Java deserialization limited to this package's messages, and two executors: control
 * (hello, setup, finish) and eval (one fitness evaluation at a time per worker, on all its cores).
 */
final class Engine {
    static final String ROLE = "lopper.role", DRIVER = "driver", WORKER = "worker";
    static final String CONTROL = "lopper-control", EVAL = "lopper-eval";

    private Engine() {}

    static {
        // Read when the first member starts, before any Config: keeps Hazelcast's start-up notices off stderr.
        System.setProperty("hazelcast.logging.type", "none");
    }

    /** The driver's member: listens on {@code listen} only. */
    static HazelcastInstance driver(Address listen, InetAddress bind, Secret secret) {
        return Hazelcast.newHazelcastInstance(config(listen, bind, listen.port(), false, secret, DRIVER));
    }

    /** A worker's member: listens on {@code bind} (the interface that reaches the driver), joins {@code driver}. */
    static HazelcastInstance worker(Address driver, InetAddress bind, Secret secret) {
        return Hazelcast.newHazelcastInstance(config(driver, bind, driver.port() + 1, true, secret, WORKER));
    }

    private static Config config(Address driver, InetAddress bind, int port, boolean autoIncrement, Secret secret,
                                 String role) {
        Config c = new Config();
        c.setClusterName(secret.clusterName());
        c.setProperty("hazelcast.logging.type", "none");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.partition.count", "7");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "20");
        c.setProperty("hazelcast.shutdownhook.policy", "TERMINATE");
        c.getMemberAttributeConfig().setAttribute(ROLE, role);
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(port).setPortAutoIncrement(autoIncrement).setPortCount(200);
        n.getInterfaces().setEnabled(true).addInterface(bind.getHostAddress());
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(5).addMember(driver.host() + ":" + driver.port());
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes(Engine.class.getPackageName() + ".", "dev.lopper.allocation.RemovalCounts",
                "java.lang.", "java.util.", "[");
        c.getSerializationConfig().setJavaSerializationFilterConfig(filter);
        c.addExecutorConfig(new ExecutorConfig(CONTROL).setPoolSize(2));
        c.addExecutorConfig(new ExecutorConfig(EVAL).setPoolSize(1));
        return c;
    }
}
