package dev.lopper.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Rust Hugging Face tokenizers library (through DJL, a test dependency), with the options
 * that make it comparable: no truncation, no padding, no post-processor special tokens.
 */
final class ReferenceTokenizer implements AutoCloseable {
    static {
        // The native library is in the DJL jar; never let DJL reach for the network.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    private final HuggingFaceTokenizer hf;

    ReferenceTokenizer(Path file) {
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int[] encode(String text) {
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    String decode(int[] ids, boolean skipSpecial) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) wide[i] = ids[i];
        return hf.decode(wide, skipSpecial);
    }

    @Override
    public void close() {
        hf.close();
    }
}
