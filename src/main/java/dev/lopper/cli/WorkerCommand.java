package dev.lopper.cli;

import dev.lopper.Setting;
import dev.lopper.allocation.search.cluster.Address;
import dev.lopper.allocation.search.cluster.Fingerprint;
import dev.lopper.allocation.search.cluster.Secret;
import dev.lopper.allocation.search.cluster.Worker;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.LlamaModel;
import dev.lopper.util.Sha256;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Evaluate a cluster search's candidates (lopper search --cluster HOST:PORT) on this machine.",
                "It loads the model once and waits for the driver.",
                "It proves it holds the driver's model, tokenizer and vector width, evaluates what it is sent, and exits when the driver's search ends.",
                "Off loopback both sides need the same secret in " + Secret.VARIABLE + ". See docs/cluster.md.",
                "Example: lopper worker --join 10.0.0.5:5701 --model DIR"})
final class WorkerCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions;

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT",
            description = "Where the driver listens (its --cluster); a bare PORT is on loopback.")
    String join;

    @Option(names = "--verbose", description = "Print stack traces of errors (default: off).")
    boolean verbose;

    @Override
    public Integer call() throws InterruptedException {
        Address driver = Address.parse(join, Setting.JOIN);
        Secret secret = Secret.from(System.getenv(), driver, Setting.JOIN);
        LlamaModel model = modelOptions.loadModel();
        Fingerprint fingerprint;
        try (Tokenizer tok = modelOptions.loadTokenizer(model)) {
            fingerprint = Fingerprint.of(Sha256.weightFiles(modelOptions.model).stream().map(d -> d.sha256()).toList(),
                    model.config(), tok);
        }
        long n = Worker.serve(driver, secret, model, fingerprint, line -> System.err.println("lopper worker: " + line));
        System.err.println("lopper worker: the search ended; " + n + " evaluations here");
        return 0;
    }
}
