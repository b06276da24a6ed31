package dev.lopper.eval;

import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.io.Tokenizer;
import dev.lopper.model.CausalLM;
import dev.lopper.model.Generator;
import dev.lopper.model.Pass;
import dev.lopper.model.Sampler;

import java.util.Arrays;
import java.util.function.Consumer;

/** A prompt continued by a model, as text (lopper generate, and the demo's greedy sample of each model). */
public final class Completion {
    private Completion() {}

    public record Result(String prompt, String completion, int promptTokens, int newTokens, double prefillSeconds,
                         double decodeTokensPerSecond) {}

    /**
     * Continues {@code prompt} (BOS prepended) by up to {@code maxTokens} tokens, stopping at EOS or
     * the end of the context. When {@code onText} is not null it hears the prompt, then each new
     * token's text as it comes (EOS not shown).
     */
    public static Result generate(CausalLM t, Tokenizer tok, String prompt, int maxTokens, Sampler sampler,
                                  Consumer<String> onText) {
        int[] ids = tok.encode(prompt, true);
        int context = t.config().maxPositions();
        if (ids.length >= context)
            throw new BadSettingException(Setting.PROMPT, "is " + ids.length + " tokens, which fills the model's context of "
                    + context + " tokens");
        if (onText != null) onText.accept(prompt);
        int[] prev = {ids[ids.length - 1]};
        Generator.Result r = new Generator(t).generate(ids, maxTokens, sampler, tok.eosId(), Pass.plain(), id -> {
            if (onText != null && id != tok.eosId()) onText.accept(tok.decodeToken(prev[0], id));
            prev[0] = id;
        });
        int[] generated = Arrays.copyOfRange(r.tokens(), r.promptTokens(), r.tokens().length);
        // Decode with the prompt as context: SentencePiece decoders drop the first token's space otherwise.
        String all = tok.decode(r.tokens()), before = tok.decode(ids);
        String completion = all.startsWith(before) ? all.substring(before.length()) : tok.decode(generated);
        return new Result(prompt, completion, r.promptTokens(), generated.length, r.prefillNanos() / 1e9,
                r.decodeTokensPerSecond());
    }
}
