package dev.lopper.allocation.search;

import dev.lopper.BadInputException;
import dev.lopper.BadSettingException;
import dev.lopper.Setting;
import dev.lopper.io.Checkpoints;
import dev.lopper.io.Tokenizer;
import dev.lopper.io.Tokenizers;
import dev.lopper.model.LlamaModel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/** Builds the operator a search asks for. */
public final class Operators {
    /** The environment variable that holds the llm operator's API key (never printed, logged or written). */
    public static final String API_KEY_VARIABLE = "LOPPER_OPERATOR_API_KEY";

    private Operators() {}

    /**
     * Fails fast (bad input) when the llm endpoint cannot be reached (a TCP connection to its host
     * and port), when the URL is not http(s), or when --prompts templates do not render; before any
     * long work and before the run folder is touched.
     */
    static void checkReachable(SearchOptions o) {
        if (!o.operator().prompted()) return;
        new PromptTemplates(o.chat().prompts());
        if (o.operator() != OperatorKind.LLM) return;
        String url = o.chat().url();
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BadSettingException(Setting.OPERATOR_URL, "'" + url + "' is not a URL");
        }
        if (u.getHost() == null || u.getScheme() == null
                || !(u.getScheme().equals("http") || u.getScheme().equals("https")))
            throw new BadSettingException(Setting.OPERATOR_URL, "'" + url + "' is not an http(s) URL");
        int port = u.getPort() >= 0 ? u.getPort() : u.getScheme().equals("https") ? 443 : 80;
        int timeout = (int) Math.min(5000, Math.max(100, o.chat().timeout().toMillis()));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), port), timeout);
        } catch (IOException e) {
            throw new BadInputException("cannot reach the operator at " + url + ": " + e.getMessage());
        }
    }

    static Operator create(SearchOptions o, SearchJob.Inputs in, SearchSpace space, Counters counters, EventLog log) {
        String fitness = o.fitness() == MaskedFitness.Kind.PPL ? "perplexity" : "KL divergence from the dense model";
        SearchOptions.Chat c = o.chat();
        return switch (o.operator()) {
            case GA -> new GaOperator();
            case LLM -> new PromptedOperator(o.operator().toString(), new OpenAiChat(c.url(), System.getenv(API_KEY_VARIABLE), c.model(),
                    c.temperature(), c.timeout(), c.retries(), c.maxRequests(), counters), new PromptTemplates(c.prompts()),
                    counters, log, fitness, space, c.maxFallbackShare());
            case SELF -> {
                ChatBackend chat;
                if (c.operatorModelDir() == null) {
                    chat = new SelfChat(in.dense(), in.tokenizer(), ChatTemplate.of(in.modelDir()), c.temperature(),
                            c.maxNewTokens(), o.seed(), counters);
                } else {
                    LlamaModel m = Checkpoints.load(c.operatorModelDir());
                    Tokenizer tok = Tokenizers.forModel(c.operatorModelDir(), null);
                    SelfChat self = new SelfChat(m, tok, ChatTemplate.of(c.operatorModelDir()), c.temperature(),
                            c.maxNewTokens(), o.seed(), counters);
                    chat = new ChatBackend() {
                        @Override
                        public String complete(String system, String user) {
                            return self.complete(system, user);
                        }

                        @Override
                        public void close() {
                            tok.close();
                        }
                    };
                }
                yield new PromptedOperator(o.operator().toString(), chat, new PromptTemplates(c.prompts()), counters, log,
                        fitness, space, c.maxFallbackShare());
            }
        };
    }
}
