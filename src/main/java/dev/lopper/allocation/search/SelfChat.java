package dev.lopper.allocation.search;

import dev.lopper.io.Tokenizer;
import dev.lopper.model.Generator;
import dev.lopper.model.LlamaModel;
import dev.lopper.model.Sampler;
import dev.lopper.model.CausalLM;

import java.util.Arrays;

/**
 * A local model as the chat operator, through Lopper's own KV-cache generation: the messages are
 * rendered with the model's chat template ({@link ChatTemplate}), encoded, cut from the left when
 * they do not leave room for the reply in the context (counted), and continued by sampling at
 * the given temperature with a seed that advances per request (so a self search is reproducible).
 */
public final class SelfChat implements ChatBackend {
    private final CausalLM transformer;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final double temperature;
    private final int maxNew;
    private final long seed;
    private final Counters counters;
    private int requests;

    public SelfChat(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, double temperature, int maxNew,
                    long seed, Counters counters) {
        this.transformer = CausalLM.of(model);
        this.tokenizer = tokenizer;
        this.template = template;
        this.temperature = temperature;
        this.maxNew = maxNew;
        this.seed = seed;
        this.counters = counters;
    }

    @Override
    public String complete(String system, String user) {
        counters.inc("self.requests");
        String prompt = template.render(system, user);
        int[] ids = tokenizer.encode(prompt, !template.present() && tokenizer.addBosByDefault());
        int context = transformer.config().maxPositions();
        int room = Math.min(maxNew, context / 2);
        if (ids.length > context - room) {
            counters.inc("self.truncatedPrompts");
            ids = Arrays.copyOfRange(ids, ids.length - (context - room), ids.length);
        }
        if (ids.length == 0) throw new ChatException("empty prompt");
        Sampler sampler = temperature <= 0 ? Sampler.greedy()
                : new Sampler((float) temperature, 1f, seed * 1_000_003L + requests);
        requests++;
        Generator.Result r = new Generator(transformer).generate(ids, room, sampler, tokenizer.eosId());
        int[] reply = Arrays.copyOfRange(r.tokens(), r.promptTokens(), r.tokens().length);
        counters.add("self.generatedTokens", reply.length);
        return tokenizer.decode(reply);
    }
}
