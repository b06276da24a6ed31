package dev.lopper.eval;

import dev.lopper.model.LayerShape;
import dev.lopper.model.ModelConfig;
import dev.lopper.io.PruningRecord;

import java.util.Locale;

/**
 * The README.md written into a pruned model's folder: where it came from (the settings phrase of
 * {@link PruneSummary}), its per-layer shapes, and what can load it. A folder whose layers all
 * keep the same shape is a stock Hugging Face {@code LlamaForCausalLM}; one with per-layer widths
 * is not, and says so.
 */
public final class ModelCard {
    public static final String FILE_NAME = "README.md";

    private ModelCard() {}

    /** Whether a stock LlamaForCausalLM (transformers) can load a model of this shape. */
    public static boolean stockLlama(ModelConfig c) {
        if (!c.uniform()) return false;
        for (int l = 0; l < c.numLayers(); l++) {
            LayerShape s = c.layer(l);
            if (s.heads() == 0 || s.kvHeads() == 0 || s.intermediate() == 0) return false;   // emptied blocks
        }
        return true;
    }

    /** One line for the console: what loads the folder. */
    public static String loaderLine(ModelConfig c) {
        return stockLlama(c)
                ? "every layer has the same shape: a stock Hugging Face LlamaForCausalLM folder (transformers, Lopper)"
                : "NOTE: the layers have different widths (or emptied blocks): only Lopper loads this folder as it is; "
                + "stock transformers LlamaForCausalLM does not; `lopper export --format gguf` makes a file llama.cpp runs "
                + "(see README.md in the folder)";
    }

    public static String render(String name, ModelConfig pruned, PruningRecord r) {
        StringBuilder md = new StringBuilder();
        PruningRecord.Options o = r.options();
        md.append("# ").append(name).append("\n\n");
        md.append(String.format(Locale.ROOT, "A structurally pruned copy of `%s`, made by Lopper %s: %s; %.2f%% of all "
                        + "parameters removed (%,d → %,d, target %.2f%%). Every input's sha256, the options and the kept "
                        + "indices of each layer are in `pruning.json`.%n%n", r.inputs().model(), r.lopperVersion(),
                PruneSummary.settings(o, "", ", MLP widths rounded to multiples of "), 100 * r.parameters().fractionRemoved(),
                r.parameters().before(), r.parameters().after(), 100 * o.target()));
        md.append("## What loads it\n\n");
        if (stockLlama(pruned)) {
            md.append("Every layer has the same shape, so this is a stock Hugging Face `LlamaForCausalLM` folder: "
                    + "`transformers` loads it with `AutoModelForCausalLM.from_pretrained(\"<this folder>\")`, and so "
                    + "does Lopper (`lopper eval --model <this folder>`).\n");
        } else {
            md.append("**The layers have different widths** (table below)")
                    .append(hasEmptyBlock(pruned) ? ", and some blocks were emptied" : "")
                    .append(". `config.json` names `LlamaForCausalLM` with the largest layer's sizes and adds "
                            + "`num_attention_heads_per_layer`, `num_key_value_heads_per_layer` and "
                            + "`intermediate_size_per_layer`, which stock `transformers` ignores: it will refuse the "
                            + "weights (shape mismatch). Load it with **Lopper** (`lopper eval --model <this folder>`, "
                            + "`lopper generate`, `lopper bench`), or export it for **llama.cpp**, which runs per-layer widths as its `deci` "
                            + "architecture: `lopper export --model <this folder> --format gguf --out model.gguf`. "
                            + "For a stock folder, prune with `--allocation uniform --layers 0:0`.\n");
        }
        md.append("\n## Layers (after pruning)\n\n").append(shapeTable(pruned, pruned));
        return md.toString();
    }

    /** Per layer: query/KV heads and MLP width, dense → pruned (only the value where it did not change). */
    public static String shapeTable(ModelConfig dense, ModelConfig pruned) {
        StringBuilder md = new StringBuilder("| layer | query heads | KV heads | MLP width |\n|---:|---:|---:|---:|\n");
        for (int l = 0; l < pruned.numLayers(); l++) {
            LayerShape a = dense.layer(l), b = pruned.layer(l);
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s |%n", l, change(a.heads(), b.heads()),
                    change(a.kvHeads(), b.kvHeads()), change(a.intermediate(), b.intermediate())));
        }
        return md.toString();
    }

    private static String change(int before, int after) {
        return before == after ? String.valueOf(after) : before + " → " + after;
    }

    private static boolean hasEmptyBlock(ModelConfig c) {
        for (int l = 0; l < c.numLayers(); l++) {
            LayerShape s = c.layer(l);
            if (s.kvHeads() == 0 || s.intermediate() == 0) return true;
        }
        return false;
    }
}
