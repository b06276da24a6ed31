package dev.lopper.io.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real llama.cpp, through clients/llama-cpp/run.mjs (node-llama-cpp's prebuilt CPU
 * binaries, installed by `npm ci` in .ci/run). Tests call {@link #availableOrSkip()}: without
 * node or the installed modules they skip, saying so, except under CI=true, where they fail.
 */
public final class LlamaCppClient {
    public static final Path DIR = Path.of("clients/llama-cpp");
    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaCppClient() {}

    /** Why the client cannot run here, or null when it can. */
    public static String missing() {
        if (!Files.isRegularFile(DIR.resolve("node_modules/node-llama-cpp/package.json")))
            return "node-llama-cpp is not installed (run: cd clients/llama-cpp && npm ci)";
        if (!Files.isDirectory(DIR.resolve("node_modules/@node-llama-cpp/linux-x64")))
            return "@node-llama-cpp/linux-x64 (the prebuilt llama.cpp) is not installed";
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) return "node does not run";
        } catch (IOException e) {
            return "node is not on the PATH";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        return null;
    }

    /** Skips the calling test when the client is missing, or fails under CI=true. */
    public static void availableOrSkip() {
        String why = missing();
        if (why == null) return;
        if ("true".equals(System.getenv("CI")))
            throw new AssertionError("CI=true but the llama.cpp client cannot run: " + why);
        org.junit.jupiter.api.Assumptions.abort("llama.cpp client not available, test skipped: " + why);
    }

    /** Runs one request (see run.mjs) and returns its parsed output. */
    public static JsonNode run(ObjectNode request, Path workDir) throws IOException, InterruptedException {
        Path req = Files.createTempFile(workDir, "llama-cpp-request", ".json");
        Files.writeString(req, request.toString());
        ProcessBuilder pb = new ProcessBuilder("node", "run.mjs", req.toAbsolutePath().toString()).directory(DIR.toFile());
        pb.environment().put("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
        Path err = workDir.resolve("llama-cpp-stderr.txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("llama.cpp client timed out");
        }
        if (p.exitValue() != 0)
            throw new AssertionError("llama.cpp client failed (exit " + p.exitValue() + "):\n" + Files.readString(err));
        return JSON.readTree(new String(out, StandardCharsets.UTF_8));
    }

    public static ObjectNode request(int threads) {
        ObjectNode r = JSON.createObjectNode();
        r.put("threads", threads);
        r.put("contextSize", 512);
        r.put("kvType", "F32");
        r.putArray("runs");
        return r;
    }
}
