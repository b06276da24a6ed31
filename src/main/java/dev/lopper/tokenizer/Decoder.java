package dev.lopper.tokenizer;

import java.util.List;

/**
 * A tokenizer.json decoder step: token strings in, token strings out (HF's decode_chain);
 * the final text is the concatenation of what the last step returns.
 */
@FunctionalInterface
interface Decoder {
    List<String> decode(List<String> tokens);
}
