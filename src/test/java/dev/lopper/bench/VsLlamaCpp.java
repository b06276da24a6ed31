package dev.lopper.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.io.Checkpoints;
import dev.lopper.model.Generator;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Sampler;
import dev.lopper.model.Transformer;
import dev.lopper.tensor.Parallel;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Lopper's engine and llama.cpp (clients/llama-cpp/run.mjs in serve mode, the model loaded once)
 * on the same GGUF file with the same thread count, runs interleaved: Lopper, llama.cpp, Lopper,
 * llama.cpp... Per run: prefill of 128 tokens then 128 greedy decode steps, and prefill of 512
 * tokens; both engines use a KV cache and one sequence. Prints a Markdown row per file and
 * writes all runs as JSON.
 *
 * <p>Usage: VsLlamaCpp OUT.json THREADS ROUNDS LABEL=FILE.gguf...
 */
public final class VsLlamaCpp {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        if (Parallel.threads() != threads)
            throw new IllegalStateException("run with -Dlopper.threads=" + threads + " (have " + Parallel.threads() + ")");
        ObjectNode all = JSON.createObjectNode();
        all.put("threads", threads).put("rounds", rounds);
        ArrayNode rows = all.putArray("models");
        System.out.println("| model | dtype | params | prefill 128: Lopper / llama.cpp tok/s (ratio) | prefill 512 (ratio) | decode 128 (ratio) |");
        System.out.println("|---|---|---:|---|---|---|");
        for (int a = 3; a < args.length; a++) {
            String label = args[a].substring(0, args[a].indexOf('='));
            Path gguf = Path.of(args[a].substring(args[a].indexOf('=') + 1));
            rows.add(compare(label, gguf, threads, rounds));
            Files.writeString(out, JSON.writeValueAsString(all));
        }
    }

    static ObjectNode compare(String label, Path gguf, int threads, int rounds) throws Exception {
        LlamaModel model = Checkpoints.load(gguf);
        Transformer t = new Transformer(model);
        int vocab = model.config().vocabSize();
        Random rnd = new Random(13);
        // 512 tokens, or one less than the context where that is 512 (the 8M fixture)
        int[] p128 = rnd.ints(128, 3, vocab).toArray();
        int[] p512 = rnd.ints(Math.min(512, model.config().maxPositions() - 1), 3, vocab).toArray();
        ObjectNode serve = JSON.createObjectNode().put("serve", true).put("model", gguf.toAbsolutePath().toString())
                .put("threads", threads).put("contextSize", Math.min(model.config().maxPositions(), 1024)).put("kvType", "F16");
        Path req = Files.createTempFile("vs-llama-cpp", ".json");
        Files.writeString(req, serve.toString());
        Process node = new ProcessBuilder("node", "run.mjs", req.toAbsolutePath().toString())
                .directory(Path.of("clients/llama-cpp").toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter cmd = new PrintWriter(node.getOutputStream(), true, StandardCharsets.UTF_8);
        if (!in.readLine().contains("ready")) throw new IllegalStateException("llama.cpp client did not start");
        double[][] lopper = new double[3][rounds], llama = new double[3][rounds];
        // One light warm-up round (prompt 128, 16 decode steps) for the JIT and caches, then the measured rounds.
        new Generator(t).generate(p128, 16, Sampler.greedy(), -1);
        ask(in, cmd, p128, 16);
        for (int r = 0; r < rounds; r++) {
            Generator.Result a = new Generator(t).generate(p128, 128, Sampler.greedy(), -1);
            JsonNode la = ask(in, cmd, p128, 128);
            Generator.Result b = new Generator(t).generate(p512, 1, Sampler.greedy(), -1);
            JsonNode lb = ask(in, cmd, p512, 0);
            lopper[0][r] = 128 / (a.prefillNanos() / 1e9);
            lopper[1][r] = p512.length / (b.prefillNanos() / 1e9);
            lopper[2][r] = a.decodeTokensPerSecond();
            llama[0][r] = 128 / la.get("prefillSeconds").asDouble();
            llama[1][r] = p512.length / lb.get("prefillSeconds").asDouble();
            llama[2][r] = 128 / la.get("decodeSeconds").asDouble();
        }
        cmd.close();
        node.waitFor();
        String dtype = model.embed().dtype().toString();
        ObjectNode row = JSON.createObjectNode().put("label", label).put("file", gguf.toString())
                .put("parameters", model.parameterCount()).put("dtype", dtype);
        String[] names = {"prefill128", "prefill512", "decode128"};
        StringBuilder md = new StringBuilder("| " + label + " | " + dtype + " | " + String.format("%,d", model.parameterCount()) + " |");
        for (int k = 0; k < 3; k++) {
            ObjectNode m = row.putObject(names[k]);
            double lm = median(lopper[k]), cm = median(llama[k]);
            m.put("lopperMedian", lm).put("llamaCppMedian", cm).put("ratio", lm / cm);
            m.set("lopperRuns", JSON.valueToTree(lopper[k]));
            m.set("llamaCppRuns", JSON.valueToTree(llama[k]));
            md.append(String.format(" %.0f / %.0f (**%.2f**) |", lm, cm, lm / cm));
        }
        System.out.println(md);
        return row;
    }

    private static JsonNode ask(BufferedReader in, PrintWriter cmd, int[] prompt, int decode) throws Exception {
        ObjectNode job = JSON.createObjectNode().put("op", "bench").put("decode", decode).put("runs", 1);
        ArrayNode p = job.putArray("promptTokens");
        for (int x : prompt) p.add(x);
        cmd.println(job);
        String line = in.readLine();
        if (line == null) throw new IllegalStateException("llama.cpp client ended");
        return JSON.readTree(line).get("runs").get(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

}
