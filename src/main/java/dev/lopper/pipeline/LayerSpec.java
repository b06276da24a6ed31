package dev.lopper.pipeline;

import dev.lopper.BadInputException;
import dev.lopper.Setting;
import dev.lopper.allocation.LayerRange;

/** Which layers a run may prune, before the model's depth is known. */
public sealed interface LayerSpec {

    LayerRange resolve(int layers);

    /** How the range was chosen, for the console; empty when the user gave it. */
    String explain(int layers);

    /** The range before the depth is known, for --help. */
    String help();

    /** {@code --layers START:END}: END ≤ 0 counts from the end (0 = through the last layer). */
    record Explicit(int start, int end) implements LayerSpec {
        @Override
        public LayerRange resolve(int layers) {
            int e = end <= 0 ? layers + end : end;
            if (start < 0 || e > layers || start >= e)
                throw new BadInputException("layer range [" + start + ", " + e + ") is outside the model's "
                        + layers + " layers; change " + Setting.LAYERS.mention() + " (START:END, 0:0 = all layers)");
            return new LayerRange(start, e);
        }

        @Override
        public String explain(int layers) { return ""; }

        @Override
        public String help() {
            return start == 0 && end == 0 ? "all layers"
                    : "layers [" + start + ", " + (end <= 0 ? "n" + (end == 0 ? "" : String.valueOf(end)) : end) + ")";
        }
    }

    /** The llm-pruner preset's range: [4, n−2), scaled with depth below 32 layers ({@link LayerRange#llmPruner}). */
    record LlmPruner() implements LayerSpec {
        @Override
        public LayerRange resolve(int layers) { return LayerRange.llmPruner(layers); }

        @Override
        public String help() { return "layers [4, n-2)"; }   // scaled below 32 layers: said when it runs

        @Override
        public String explain(int layers) {
            LayerRange r = resolve(layers);
            return layers >= 32 ? "LLM-Pruner's [4, n-2)"
                    : "LLM-Pruner's [4, n-2) of 32-layer models scaled to " + layers + " layers: the first "
                    + r.start() + " and the last " + (layers - r.end()) + " kept whole; --layers overrides";
        }
    }
}
