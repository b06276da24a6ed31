package dev.lopper.cli;

import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Lopper's main job on the embedded model in models/: evaluate and generate.")
final class DemoCommand implements Runnable {
    @Override
    public void run() {
        throw new UnsupportedOperationException("demo: not wired yet");
    }
}
