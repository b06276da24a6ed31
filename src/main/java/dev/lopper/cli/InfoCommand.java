package dev.lopper.cli;

import dev.lopper.model.BlockOps;
import dev.lopper.model.LayerShape;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's architecture, per-layer shapes and parameter count.")
final class InfoCommand implements Runnable {
    @Mixin ModelOptions modelOptions;
    @Mixin CommonOptions common;

    record LayerInfo(int layer, int heads, int kvHeads, int headDim, int intermediate, long parameters) {}

    record Info(String model, String architecture, int hiddenSize, int layers, int vocabSize, int context,
                String dtype, boolean tiedEmbeddings, boolean uniformLayers, boolean qkvBias, boolean oBias,
                boolean mlpBias, boolean downBias, String blocks, long parameters, long nonEmbeddingParameters,
                List<LayerInfo> perLayer) {}

    @Override
    public void run() {
        modelOptions.inputsTo(common.outputs()).check();
        LlamaModel m = modelOptions.loadModel();
        ModelConfig c = m.config();
        List<LayerInfo> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            LayerShape s = c.layer(i);
            layers.add(new LayerInfo(i, s.heads(), s.kvHeads(), s.headDim(), s.intermediate(), c.layerParameters(s)));
        }
        long params = m.parameterCount();
        long embed = m.embed().size() + (c.tieWordEmbeddings() ? 0 : m.lmHead().size());
        Info info = new Info(modelOptions.model.toString(), c.architecture(), c.hiddenSize(), c.numLayers(),
                c.vocabSize(), c.maxPositions(), m.embed().dtype().torchName, c.tieWordEmbeddings(), c.uniform(),
                c.qkvBias(), c.oBias(), c.mlpBias(), c.downBias(), blocks(c), params, params - embed, layers);
        print(info);
        common.writeJson(info);
    }

    private static void print(Info i) {
        System.out.printf("model          %s%n", i.model());
        System.out.printf("architecture   %s (%s weights)%n", i.architecture(), i.dtype());
        System.out.printf("hidden size    %d, %d layers, vocabulary %d, context %d%n", i.hiddenSize(), i.layers(),
                i.vocabSize(), i.context());
        System.out.printf("blocks         %s%n", i.blocks());
        System.out.printf("embeddings     %s%n", i.tiedEmbeddings() ? "tied (lm_head = embed_tokens)" : "untied");
        List<String> biases = new ArrayList<>();
        if (i.qkvBias()) biases.add("q/k/v");
        if (i.oBias()) biases.add("o");
        if (i.mlpBias()) biases.add("gate/up");
        if (i.downBias()) biases.add("down");
        System.out.printf("biases         %s%n", biases.isEmpty() ? "none" : String.join(", ", biases));
        System.out.printf("parameters     %,d (%,d outside the embeddings)%n", i.parameters(),
                i.nonEmbeddingParameters());
        System.out.println("layers         heads  kv  head_dim  mlp_width   parameters");
        int n = i.perLayer().size();
        for (int a = 0; a < n; ) {          // runs of identical layers on one line
            LayerInfo first = i.perLayer().get(a);
            int b = a;
            while (b + 1 < n && same(first, i.perLayer().get(b + 1))) b++;
            String range = a == b ? String.valueOf(a) : a + "-" + b;
            System.out.printf("  %-12s %5d %3d %9d %10d %,12d%n", range, first.heads(), first.kvHeads(),
                    first.headDim(), first.intermediate(), first.parameters());
            a = b + 1;
        }
    }

    /** The family's block ops in words, saying how the position embedding was chosen where no field says. */
    private static String blocks(ModelConfig c) {
        BlockOps o = c.ops();
        String pos = o.position() == BlockOps.Position.ROPE ? "RoPE" : "ALiBi";
        String rule = c.family().positionRule(c.architecture());
        if (rule != null) pos += " (" + rule + ")";
        return (o.norm() == BlockOps.Norm.RMS ? "RMSNorm" : "LayerNorm with bias") + ", " + pos + ", "
                + (o.gated() ? "SwiGLU MLP" : "GELU MLP") + (o.embedNorm() ? ", norm after the embeddings" : "")
                + (o.normHead() ? ", NormHead LM head" : "");
    }

    private static boolean same(LayerInfo x, LayerInfo y) {
        return x.heads() == y.heads() && x.kvHeads() == y.kvHeads() && x.headDim() == y.headDim()
                && x.intermediate() == y.intermediate();
    }
}
