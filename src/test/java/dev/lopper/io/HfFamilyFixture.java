package dev.lopper.io;

import dev.lopper.tensor.DType;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small random BLOOM or Baichuan checkpoint written the way Hugging Face stores it (tensor
 * names, packed query_key_value / W_pack, 1-D norms and biases, config.json fields), together
 * with a straightforward double-precision forward pass over those same arrays that knows
 * nothing of Lopper's model code: the reference the loaded model is checked against.
 */
public final class HfFamilyFixture {
    final String config;
    final Map<String, float[]> tensors = new LinkedHashMap<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();
    final boolean bloom;
    final String prefix;
    final int hidden, layers, heads, ffn, vocab;
    final boolean alibi, normHead;

    private HfFamilyFixture(String config, boolean bloom, String prefix, int hidden, int layers, int heads, int ffn,
                            int vocab, boolean alibi, boolean normHead) {
        this.config = config;
        this.bloom = bloom;
        this.prefix = prefix;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.ffn = ffn;
        this.vocab = vocab;
        this.alibi = alibi;
        this.normHead = normHead;
    }

    /** A BLOOM model; {@code nEmbed} writes the older "n_embed" field instead of "hidden_size". */
    public static HfFamilyFixture bloom(long seed, int hidden, int heads, int layers, int vocab, boolean transformerPrefix,
                                 boolean nEmbed) {
        String cfg = "{\"architectures\": [\"BloomForCausalLM\"], \"model_type\": \"bloom\", "
                + (nEmbed ? "\"n_embed\": " : "\"hidden_size\": ") + hidden + ", \"n_layer\": " + layers
                + ", \"n_head\": " + heads + ", \"vocab_size\": " + vocab + ", \"layer_norm_epsilon\": 1e-5, "
                + "\"apply_residual_connection_post_layernorm\": false, \"slow_but_exact\": false, "
                + "\"pretraining_tp\": 1, \"bos_token_id\": 1, \"eos_token_id\": 2}";
        HfFamilyFixture f = new HfFamilyFixture(cfg, true, transformerPrefix ? "transformer." : "", hidden, layers,
                heads, 4 * hidden, vocab, true, false);
        Random r = new Random(seed);
        String p = f.prefix;
        f.put(r, p + "word_embeddings.weight", 1.0, vocab, hidden);
        f.norm(r, p + "word_embeddings_layernorm", hidden);
        for (int l = 0; l < layers; l++) {
            String h = p + "h." + l + ".";
            f.norm(r, h + "input_layernorm", hidden);
            f.put(r, h + "self_attention.query_key_value.weight", 0.3, 3 * hidden, hidden);
            f.put(r, h + "self_attention.query_key_value.bias", 0.3, 3 * hidden);
            f.put(r, h + "self_attention.dense.weight", 0.3, hidden, hidden);
            f.put(r, h + "self_attention.dense.bias", 0.3, hidden);
            f.norm(r, h + "post_attention_layernorm", hidden);
            f.put(r, h + "mlp.dense_h_to_4h.weight", 0.3, 4 * hidden, hidden);
            f.put(r, h + "mlp.dense_h_to_4h.bias", 0.3, 4 * hidden);
            f.put(r, h + "mlp.dense_4h_to_h.weight", 0.3, hidden, 4 * hidden);
            f.put(r, h + "mlp.dense_4h_to_h.bias", 0.3, hidden);
        }
        f.norm(r, p + "ln_f", hidden);
        return f;
    }

    /**
     * A Baichuan model: BaiChuanForCausalLM (7B, RoPE, with saved rotary inv_freq buffers) or
     * BaichuanForCausalLM (hidden size not 4096: ALiBi; with Baichuan-13B's gradient_checkpointing
     * list), NormHead when asked.
     */
    public static HfFamilyFixture baichuan(long seed, boolean sevenB, int hidden, int heads, int layers, int ffn, int vocab,
                                    boolean normHead) {
        String cfg = "{\"architectures\": [\"" + (sevenB ? "BaiChuanForCausalLM" : "BaichuanForCausalLM")
                + "\"], \"model_type\": \"baichuan\", \"hidden_size\": " + hidden + ", \"intermediate_size\": " + ffn
                + ", \"num_attention_heads\": " + heads + ", \"num_hidden_layers\": " + layers + ", \"vocab_size\": "
                + vocab + ", \"rms_norm_eps\": 1e-6, \"hidden_act\": \"silu\", "
                + (sevenB ? "\"max_position_embeddings\": 64, " : "\"model_max_length\": 64, \"gradient_checkpointing\": [false], ")
                + (normHead ? "\"norm_head\": true, " : "")
                + "\"tie_word_embeddings\": false, \"bos_token_id\": 1, \"eos_token_id\": 2, \"auto_map\": {}}";
        HfFamilyFixture f = new HfFamilyFixture(cfg, false, "", hidden, layers, heads, ffn, vocab, !sevenB, normHead);
        Random r = new Random(seed);
        f.put(r, "model.embed_tokens.weight", 1.0, vocab, hidden);
        for (int l = 0; l < layers; l++) {
            String h = "model.layers." + l + ".";
            f.rmsNorm(r, h + "input_layernorm.weight", hidden);
            f.put(r, h + "self_attn.W_pack.weight", 0.3, 3 * hidden, hidden);
            f.put(r, h + "self_attn.o_proj.weight", 0.3, hidden, hidden);
            if (sevenB) f.put(r, h + "self_attn.rotary_emb.inv_freq", 1.0, hidden / heads / 2);
            f.rmsNorm(r, h + "post_attention_layernorm.weight", hidden);
            f.put(r, h + "mlp.gate_proj.weight", 0.3, ffn, hidden);
            f.put(r, h + "mlp.up_proj.weight", 0.3, ffn, hidden);
            f.put(r, h + "mlp.down_proj.weight", 0.3, hidden, ffn);
        }
        f.rmsNorm(r, "model.norm.weight", hidden);
        f.put(r, "lm_head.weight", 0.3, vocab, hidden);
        return f;
    }

    private void put(Random r, String name, double scale, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * scale);
        tensors.put(name, a);
        shapes.put(name, shape);
    }

    private void rmsNorm(Random r, String name, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = 0.8f + 0.4f * r.nextFloat();
        tensors.put(name, a);
        shapes.put(name, new long[]{n});
    }

    private void norm(Random r, String name, int n) {
        rmsNorm(r, name + ".weight", n);
        put(r, name + ".bias", 0.2, n);
    }

    /** Writes config.json and model.safetensors into {@code dir}. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config);
        Map<String, ShapedTensor> out = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            long[] s = shapes.get(e.getKey());
            int rows = s.length == 1 ? 1 : (int) s[0];
            int cols = (int) s[s.length - 1];
            out.put(e.getKey(), new ShapedTensor(Matrix.fromFloats(e.getValue(), rows, cols, DType.F32), s));
        }
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), out);
        return dir;
    }

    // ------------------------------------------------------------------ reference forward (double, plain loops)

    /** ALiBi slopes as HF's build_alibi_tensor writes them (log2 form). */
    static double[] hfSlopes(int n) {
        int closest = (int) Math.pow(2, Math.floor(Math.log(n) / Math.log(2)));
        double base = Math.pow(2, -Math.pow(2, -(Math.log(closest) / Math.log(2) - 3)));
        double[] s = new double[n];
        for (int i = 0; i < closest; i++) s[i] = Math.pow(base, i + 1);
        if (closest != n) {
            double extra = Math.pow(2, -Math.pow(2, -(Math.log(2 * closest) / Math.log(2) - 3)));
            int remaining = Math.min(closest, n - closest);
            for (int i = 0; i < remaining; i++) s[closest + i] = Math.pow(extra, 1 + 2 * i);
        }
        return s;
    }

    /** BLOOM's GELU in its tanh form, in double. */
    public static double gelu(double u) {
        return 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
    }

    /** Logits [len][vocab] of one sequence; {@code rope} decides Baichuan's position embedding. */
    double[][] logits(int[] tokens, boolean rope) {
        return logits(tokens, rope, HfFamilyFixture::gelu);
    }

    /** The same with another GELU (a test may emulate an engine's approximation of it). */
    public double[][] logits(int[] tokens, boolean rope, java.util.function.DoubleUnaryOperator gelu) {
        int n = tokens.length, d = hidden / heads;
        float[] emb = t("word_embeddings.weight", "model.embed_tokens.weight");
        double[][] x = new double[n][hidden];
        for (int i = 0; i < n; i++) for (int c = 0; c < hidden; c++) x[i][c] = emb[tokens[i] * hidden + c];
        if (bloom) x = layerNorm(x, prefix + "word_embeddings_layernorm");
        double[] slopes = hfSlopes(heads);
        for (int l = 0; l < layers; l++) {
            String h = bloom ? prefix + "h." + l + "." : "model.layers." + l + ".";
            double[][] xn = bloom ? layerNorm(x, h + "input_layernorm") : rmsNorm(x, h + "input_layernorm.weight");
            double[][] q = new double[n][hidden], k = new double[n][hidden], v = new double[n][hidden];
            if (bloom) {
                // fused.view(n, heads, 3, d): for head hh, rows hh·3d .. of q, then k, then v
                double[][] fused = linear(xn, tensors.get(h + "self_attention.query_key_value.weight"),
                        tensors.get(h + "self_attention.query_key_value.bias"), 3 * hidden);
                for (int i = 0; i < n; i++)
                    for (int hh = 0; hh < heads; hh++)
                        for (int c = 0; c < d; c++) {
                            q[i][hh * d + c] = fused[i][hh * 3 * d + c];
                            k[i][hh * d + c] = fused[i][hh * 3 * d + d + c];
                            v[i][hh * d + c] = fused[i][hh * 3 * d + 2 * d + c];
                        }
            } else {
                // W_pack rows: q, then k, then v
                double[][] fused = linear(xn, tensors.get(h + "self_attn.W_pack.weight"), null, 3 * hidden);
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < hidden; c++) {
                        q[i][c] = fused[i][c];
                        k[i][c] = fused[i][hidden + c];
                        v[i][c] = fused[i][2 * hidden + c];
                    }
            }
            if (rope) {
                rotate(q, d);
                rotate(k, d);
            }
            double[][] ctx = new double[n][hidden];
            for (int hh = 0; hh < heads; hh++) {
                for (int i = 0; i < n; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += q[i][hh * d + c] * k[j][hh * d + c];
                        s[j] = dot / Math.sqrt(d) + (rope ? 0 : slopes[hh] * (j - i));
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= i; j++)
                        for (int c = 0; c < d; c++) ctx[i][hh * d + c] += s[j] / sum * v[j][hh * d + c];
                }
            }
            double[][] attn = bloom
                    ? linear(ctx, tensors.get(h + "self_attention.dense.weight"), tensors.get(h + "self_attention.dense.bias"), hidden)
                    : linear(ctx, tensors.get(h + "self_attn.o_proj.weight"), null, hidden);
            add(x, attn);
            double[][] xn2 = bloom ? layerNorm(x, h + "post_attention_layernorm") : rmsNorm(x, h + "post_attention_layernorm.weight");
            double[][] mlp;
            if (bloom) {
                double[][] up = linear(xn2, tensors.get(h + "mlp.dense_h_to_4h.weight"), tensors.get(h + "mlp.dense_h_to_4h.bias"), ffn);
                for (double[] row : up)
                    for (int c = 0; c < ffn; c++) {
                        row[c] = gelu.applyAsDouble(row[c]);
                    }
                mlp = linear(up, tensors.get(h + "mlp.dense_4h_to_h.weight"), tensors.get(h + "mlp.dense_4h_to_h.bias"), hidden);
            } else {
                double[][] g = linear(xn2, tensors.get(h + "mlp.gate_proj.weight"), null, ffn);
                double[][] u = linear(xn2, tensors.get(h + "mlp.up_proj.weight"), null, ffn);
                for (int i = 0; i < n; i++)
                    for (int c = 0; c < ffn; c++) g[i][c] = g[i][c] / (1 + Math.exp(-g[i][c])) * u[i][c];
                mlp = linear(g, tensors.get(h + "mlp.down_proj.weight"), null, hidden);
            }
            add(x, mlp);
        }
        double[][] xf = bloom ? layerNorm(x, prefix + "ln_f") : rmsNorm(x, "model.norm.weight");
        float[] head = bloom ? emb : tensors.get("lm_head.weight");
        double[][] out = new double[n][vocab];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < vocab; t++) {
                double dot = 0, norm = 0;
                for (int c = 0; c < hidden; c++) {
                    dot += xf[i][c] * head[t * hidden + c];
                    norm += (double) head[t * hidden + c] * head[t * hidden + c];
                }
                out[i][t] = normHead ? dot / Math.sqrt(norm) : dot;
            }
        }
        return out;
    }

    private float[] t(String bloomName, String baichuanName) {
        return bloom ? tensors.get(prefix + bloomName) : tensors.get(baichuanName);
    }

    /** HF rotate_half RoPE, base 10000, positions 0..n−1. */
    private void rotate(double[][] x, int d) {
        int half = d / 2;
        for (int i = 0; i < x.length; i++)
            for (int hh = 0; hh < heads; hh++)
                for (int c = 0; c < half; c++) {
                    double a = i / Math.pow(10000, 2.0 * c / d);
                    double x1 = x[i][hh * d + c], x2 = x[i][hh * d + half + c];
                    x[i][hh * d + c] = x1 * Math.cos(a) - x2 * Math.sin(a);
                    x[i][hh * d + half + c] = x2 * Math.cos(a) + x1 * Math.sin(a);
                }
    }

    private static double[][] linear(double[][] x, float[] w, float[] b, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int c = 0; c < in; c++) s += x[i][c] * w[o * in + c];
                y[i][o] = s;
            }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) for (int c = 0; c < x[i].length; c++) x[i][c] += y[i][c];
    }

    private double[][] layerNorm(double[][] x, String name) {
        float[] w = tensors.get(name + ".weight"), b = tensors.get(name + ".bias");
        double[][] y = new double[x.length][hidden];
        for (int i = 0; i < x.length; i++) {
            double mean = 0, var = 0;
            for (double v : x[i]) mean += v / hidden;
            for (double v : x[i]) var += (v - mean) * (v - mean) / hidden;
            for (int c = 0; c < hidden; c++) y[i][c] = (x[i][c] - mean) / Math.sqrt(var + 1e-5) * w[c] + b[c];
        }
        return y;
    }

    private double[][] rmsNorm(double[][] x, String name) {
        float[] w = tensors.get(name);
        double[][] y = new double[x.length][hidden];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) ms += v * v / hidden;
            for (int c = 0; c < hidden; c++) y[i][c] = x[i][c] / Math.sqrt(ms + 1e-6) * w[c];
        }
        return y;
    }
}
