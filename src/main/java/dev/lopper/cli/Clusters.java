package dev.lopper.cli;

import dev.lopper.Setting;
import dev.lopper.allocation.search.SearchJob;
import dev.lopper.allocation.search.cluster.Address;
import dev.lopper.allocation.search.cluster.ClusterEvaluator;
import dev.lopper.allocation.search.cluster.Secret;

/** {@code --cluster HOST:PORT} of lopper search: where its evaluations run (null: in this process). */
final class Clusters {
    private Clusters() {}

    static SearchJob.Remote remote(String cluster) {
        if (cluster == null) return null;
        Address listen = Address.parse(cluster, Setting.CLUSTER);
        Secret secret = Secret.from(System.getenv(), listen, Setting.CLUSTER);
        return ClusterEvaluator.remote(listen, secret, line -> System.err.println("lopper search: " + Setting.render(line, OptionNames::of)));
    }
}
