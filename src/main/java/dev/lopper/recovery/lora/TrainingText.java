package dev.lopper.recovery.lora;

import dev.lopper.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.data.TextCorpus;
import dev.lopper.io.Tokenizer;
import dev.lopper.util.ErrorText;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The token stream a LoRA trains on, with the weight of each token as a prediction target (0 for
 * an instruction's prompt under {@link LossOn#RESPONSE}), cut into non-overlapping windows of
 * {@code seq} tokens. Plain text and JSONL are tokenized whole (BOS first, as evaluation does);
 * Alpaca examples are rendered with the Alpaca template, each with BOS and EOS, and packed one
 * after another (a window may hold the end of one example and the start of the next).
 */
public record TrainingText(String name, Path file, DataFormat format, String description, int[] tokens,
                           float[] targetWeights, int examples) {

    /** Alpaca's prompt with an input (Taori et al., 2023; LLM-Pruner's template). */
    public static final String ALPACA_WITH_INPUT = "Below is an instruction that describes a task, paired with an input "
            + "that provides further context. Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
    /** Alpaca's prompt without an input. */
    public static final String ALPACA_NO_INPUT = "Below is an instruction that describes a task. Write a response that "
            + "appropriately completes the request.\n\n### Instruction:\n%s\n\n### Response:\n";

    public static TrainingText load(String nameOrPath, Path dataDir, DataFormat format, LossOn lossOn, Tokenizer tok) {
        if (format == DataFormat.ALPACA) return alpaca(Path.of(nameOrPath), lossOn, tok);
        TextCorpus c = TextCorpus.resolve(nameOrPath, dataDir);
        int[] ids = tok.encode(c.text(), tok.addBosByDefault());
        float[] w = new float[ids.length];
        Arrays.fill(w, 1f);
        return new TrainingText(c.name(), c.file(), format, c.protocol(), ids, w, 1);
    }

    private static TrainingText alpaca(Path file, LossOn lossOn, Tokenizer tok) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new BadInputException(file, "not readable JSON: " + ErrorText.of(e), e);
        }
        if (root == null || !root.isArray())
            throw new BadInputException(file, "an Alpaca-style file is a JSON array of {instruction, input, output}");
        int[] ids = new int[1024];
        float[] w = new float[1024];
        int n = 0, examples = 0;
        for (JsonNode ex : root) {
            String instruction = ex.path("instruction").asText(""), input = ex.path("input").asText(""),
                    output = ex.path("output").asText("");
            if (instruction.isBlank() || output.isBlank()) continue;
            String prompt = input.isBlank() ? ALPACA_NO_INPUT.formatted(instruction)
                    : ALPACA_WITH_INPUT.formatted(instruction, input);
            int[] p = tok.encode(prompt, tok.addBosByDefault());
            int[] full = tok.encode(prompt + output, tok.addBosByDefault());
            int eos = tok.eosId();
            int len = full.length + (eos >= 0 ? 1 : 0);
            if (n + len > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(2 * ids.length, n + len));
                w = Arrays.copyOf(w, ids.length);
            }
            System.arraycopy(full, 0, ids, n, full.length);
            if (eos >= 0) ids[n + full.length] = eos;
            int promptTokens = lossOn == LossOn.RESPONSE ? commonPrefix(p, full) : 0;
            for (int i = 0; i < len; i++) w[n + i] = i < promptTokens ? 0f : 1f;
            n += len;
            examples++;
        }
        if (examples == 0)
            throw new BadInputException(file, "no example with a non-empty instruction and output");
        return new TrainingText(file.getFileName().toString(), file, DataFormat.ALPACA,
                "Alpaca template, " + examples + " examples packed, loss on " + lossOn.name().toLowerCase(java.util.Locale.ROOT),
                Arrays.copyOf(ids, n), Arrays.copyOf(w, n), examples);
    }

    /** Tokens the prompt's encoding shares with the start of the full example's (a merge across the boundary ends it). */
    private static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) i++;
        return i;
    }

    /** Non-overlapping windows of {@code seq} tokens that have at least one weighted target; bad input when there are none. */
    public int[] windowStarts(int seq) {
        int[] out = new int[tokens.length / seq];
        int k = 0;
        for (int s = 0; s + seq <= tokens.length; s += seq) {
            boolean any = false;
            for (int i = s + 1; i < s + seq && !any; i++) any = targetWeights[i] > 0;
            if (any) out[k++] = s;
        }
        if (k == 0)
            throw new BadInputException(file, "no usable text: " + tokens.length + " tokens"
                    + (tokens.length >= seq ? " but no window of " + seq + " with a token to learn" : ", fewer than one window of " + seq)
                    + " (" + Setting.TRAINING_LENGTH.mention() + ")");
        return Arrays.copyOf(out, k);
    }

    /** Row weights of the window starting at {@code start}: row r predicts token start+r+1. */
    public void rowWeights(int start, int seq, float[] into, int offset) {
        for (int r = 0; r < seq; r++) into[offset + r] = r == seq - 1 ? 0f : targetWeights[start + r + 1];
    }

    /** Whether every token is a target (no prompt masking): the plain next-token objective applies. */
    public boolean allWeighted() {
        for (float v : targetWeights) if (v != 1f) return false;
        return true;
    }
}
