package dev.lopper.io;

import dev.lopper.model.BlockOps;

/**
 * Choices a user may make when loading a checkpoint, where the files leave them open.
 *
 * @param position how positions enter attention; null means the family's own rule (for
 *                 BaichuanForCausalLM: RoPE when hidden_size is 4096, else ALiBi, as vLLM decides)
 */
public record LoadOptions(BlockOps.Position position) {
    public static final LoadOptions DEFAULT = new LoadOptions(null);
}
