package dev.lopper.allocation.search;

import dev.lopper.Setting;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The genetic operators done by a chat model through prompts (Self-Pruner's idea; the prompts,
 * reply format and checks are Lopper's design). One request per step and generation: the
 * initial population, the parent selection, all crossovers, all mutations. Each reply is read
 * as JSON (also inside Markdown fences) and checked item by item — a genome must have one
 * finite number per layer (out-of-bounds rates are clipped by the repair and counted), a
 * selection valid distinct indices — and every item the reply does not provide usably is made
 * by the {@code ga} operator instead, counted under {@code fallbacks.<step>}. A request that
 * fails (after the backend's retries) falls back for the whole step. Every prompt, reply and
 * failure goes to the event log.
 */
public final class PromptedOperator implements Operator {
    private final String name;
    private final ChatBackend chat;
    private final PromptTemplates prompts;
    private final GaOperator ga = new GaOperator();
    private final Counters counters;
    private final EventLog log;
    private final String fitnessName;
    private final SearchSpace space;
    private final double maxFallbackShare;
    /** Steps asked and steps that got nothing usable (all their items made by ga); the last failure's reason. */
    private int steps, fellBack;
    private String reason;

    /** Steps before the share of fallen-back steps is judged. */
    static final int MIN_STEPS = 4;

    public PromptedOperator(String name, ChatBackend chat, PromptTemplates prompts, Counters counters, EventLog log,
                            String fitnessName, SearchSpace space) {
        this(name, chat, prompts, counters, log, fitnessName, space, SearchOptions.Chat.DEFAULT_MAX_FALLBACK_SHARE);
    }

    /**
     * {@code maxFallbackShare}: the search stops (bad input, exit 2) once at least {@link #MIN_STEPS}
     * steps were asked and more than this share of them got nothing usable from the chat model:
     * the result would otherwise be a plain ga search presented as an llm one.
     */
    public PromptedOperator(String name, ChatBackend chat, PromptTemplates prompts, Counters counters, EventLog log,
                            String fitnessName, SearchSpace space, double maxFallbackShare) {
        this.maxFallbackShare = maxFallbackShare;
        this.space = space;
        this.name = name;
        this.chat = chat;
        this.prompts = prompts;
        this.counters = counters;
        this.log = log;
        this.fitnessName = fitnessName;
    }

    @Override
    public String name() { return name; }

    private Map<String, Object> context(SearchSpace s) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("layers", s.layers());
        c.put("min_rate", s.minRate());
        c.put("max_rate", s.maxRate());
        c.put("target_percent", fmt(100 * s.target().fraction()));
        c.put("mean_rate", fmt(s.meanRate()));
        c.put("fitness_name", fitnessName);
        return c;
    }

    /** Sends one prompt; the reply's JSON, or null when the request failed or nothing could be read (logged, counted). */
    private JsonNode ask(String step, Map<String, Object> ctx) {
        String system = prompts.render("system", ctx), user = prompts.render(step, ctx);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("step", step);
        p.put("system", system);
        p.put("user", user);
        log.event("prompt", p);
        reason = null;
        long t0 = System.nanoTime();
        String reply;
        try {
            reply = chat.complete(system, user);
        } catch (ChatBackend.ChatException e) {
            counters.inc(name + ".failedRequests");
            log.event("request-failed", EventLog.fields("step", step, "error", e.getMessage()));
            reason = e.getMessage();
            return null;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("step", step);
        r.put("text", reply);
        r.put("seconds", (System.nanoTime() - t0) / 1e9);
        log.event("reply", r);
        JsonNode n = ReplyParser.json(reply);
        if (n == null) {
            counters.inc(name + ".unparseableReplies");
            log.event("unusable-reply", EventLog.fields("step", step, "why", "no JSON in the reply"));
            reason = "no JSON in the reply";
        }
        return n;
    }

    /**
     * Accounts a step that wanted {@code wanted} items and got {@code usable} from the reply. A step
     * with none is logged with its reason (events.jsonl), warned about on stderr, and counted; too
     * large a share of such steps stops the search.
     */
    private void stepDone(String step, int usable, int wanted) {
        steps++;
        counters.inc(name + ".steps");
        if (usable > 0 || wanted == 0) return;
        fellBack++;
        counters.inc(name + ".stepsFellBack");
        String why = reason != null ? reason : "no usable item in the reply";
        log.event("step-fell-back", EventLog.fields("step", step, "why", why));
        System.err.println("lopper: warning: " + name + " operator, " + step + " step: " + why
                + "; the ga operator made this step's " + wanted + " item(s)");
        if (steps >= MIN_STEPS && fellBack > maxFallbackShare * steps)
            throw new dev.lopper.BadInputException("the " + name + " operator got nothing usable in " + fellBack + " of "
                    + steps + " steps (last: " + why + "); the search would be a plain ga search: check the endpoint "
                    + "(" + Setting.OPERATOR_URL.mention() + ", " + Setting.OPERATOR_MODEL.mention() + ") or allow more with "
                    + Setting.MAX_FALLBACK_SHARE.mention() + " (now "
                    + maxFallbackShare + "); events.jsonl has every failure");
    }

    /** One line on how often the operator's steps fell back to ga, from the run's counters; null for ga. */
    public static String summary(String name, java.util.Map<String, Long> counters) {
        Long steps = counters.get(name + ".steps");
        if (steps == null || steps == 0) return null;
        long fell = counters.getOrDefault(name + ".stepsFellBack", 0L);
        StringBuilder why = new StringBuilder();
        for (String k : List.of("failedRequests", "unparseableReplies", "missingGenomes", "wrongLength", "nonFinite")) {
            long v = counters.getOrDefault(name + "." + k, 0L);
            if (v > 0) why.append(why.isEmpty() ? "" : ", ").append(k).append(' ').append(v);
        }
        return String.format(Locale.ROOT, "%s operator: %d of %d steps got nothing usable and fell back to ga%s",
                name, fell, steps, why.isEmpty() ? "" : " (" + why + "; details in events.jsonl)");
    }

    /** The usable genome at {@code i} of a reply's list, or null (counted with the reason). */
    private double[] usable(List<double[]> vs, int i, String step) {
        if (vs == null || i >= vs.size() || vs.get(i) == null) {
            counters.inc(name + ".missingGenomes");
            if (vs != null)
                log.event("unusable-genome", EventLog.fields("step", step, "index", i, "why", "missing or not a list of numbers"));
            return null;
        }
        double[] v = vs.get(i);
        if (v.length != space.layers()) {
            counters.inc(name + ".wrongLength");
            log.event("unusable-genome", EventLog.fields("step", step, "index", i, "why",
                    v.length + " rates for " + space.layers() + " layers"));
            return null;
        }
        boolean out = false;
        for (double r : v) {
            if (!Double.isFinite(r)) {
                counters.inc(name + ".nonFinite");
                log.event("unusable-genome", EventLog.fields("step", step, "index", i, "why", "a rate is not finite"));
                return null;
            }
            out |= r < space.minRate() || r > space.maxRate();
        }
        if (out) counters.inc(name + ".outOfBounds");   // clipped by the repair
        return v;
    }

    private Proposal fallback(String step, Proposal p) {
        counters.inc("fallbacks." + step);
        return new Proposal(p.rates(), "ga-fallback:" + p.origin());
    }

    @Override
    public List<Proposal> initial(int count, SearchSpace s, SplittableRandom rng) {
        Map<String, Object> ctx = context(s);
        ctx.put("count", count);
        List<double[]> vs = ReplyParser.vectors(ask("init", ctx), "candidates");
        List<Proposal> gaInit = ga.initial(count, s, rng);
        List<Proposal> out = new ArrayList<>();
        int got = 0;
        for (int i = 0; i < count; i++) {
            double[] v = usable(vs, i, "init");
            if (v != null) got++;
            out.add(v != null ? new Proposal(v, name + ":init") : fallback("init", gaInit.get(i)));
        }
        stepDone("init", got, count);
        return out;
    }

    @Override
    public Parents select(List<Member> population, int crossovers, int mutations, SplittableRandom rng) {
        Parents gaPick = ga.select(population, crossovers, mutations, rng);
        Map<String, Object> ctx = context(space);
        List<Map<String, Object>> pop = new ArrayList<>();
        for (int i = 0; i < population.size(); i++)
            pop.add(Map.of("index", i, "fitness", fmt(population.get(i).fitness()), "rates", fmt(population.get(i).rates())));
        ctx.put("population", pop);
        ctx.put("crossovers", crossovers);
        ctx.put("mutations", mutations);
        JsonNode n = ask("selection", ctx);
        List<int[]> pairs = new ArrayList<>();
        int got = 0;
        JsonNode cx = n == null ? null : n.get("crossover");
        for (int i = 0; i < crossovers; i++) {
            JsonNode p = cx != null && cx.isArray() && i < cx.size() ? cx.get(i) : null;
            int a = index(p == null ? null : p.get(0), population.size()), b = index(p == null ? null : p.get(1), population.size());
            if (p != null && p.isArray() && p.size() == 2 && a >= 0 && b >= 0 && a != b) {
                pairs.add(new int[]{a, b});
                got++;
            } else {
                counters.inc("fallbacks.selection");
                pairs.add(gaPick.pairs().get(i));
            }
        }
        int[] singles = new int[mutations];
        JsonNode mu = n == null ? null : n.get("mutation");
        for (int i = 0; i < mutations; i++) {
            int k = index(mu != null && mu.isArray() && i < mu.size() ? mu.get(i) : null, population.size());
            if (k >= 0) {
                singles[i] = k;
                got++;
            } else {
                counters.inc("fallbacks.selection");
                singles[i] = gaPick.singles()[i];
            }
        }
        stepDone("selection", got, crossovers + mutations);
        return new Parents(pairs, singles);
    }

    private static int index(JsonNode v, int size) {
        if (v == null || !v.canConvertToExactIntegral()) return -1;
        int i = v.asInt();
        return i >= 0 && i < size ? i : -1;
    }

    @Override
    public List<Proposal> crossover(List<Member> population, List<int[]> pairs, SearchSpace s, SplittableRandom rng) {
        List<Proposal> gaKids = ga.crossover(population, pairs, s, rng);
        if (pairs.isEmpty()) return gaKids;
        Map<String, Object> ctx = context(s);
        List<Map<String, Object>> ps = new ArrayList<>();
        for (int[] p : pairs) {
            Member a = population.get(p[0]), b = population.get(p[1]);
            ps.add(Map.of("fitness_a", fmt(a.fitness()), "fitness_b", fmt(b.fitness()), "rates_a", fmt(a.rates()),
                    "rates_b", fmt(b.rates())));
        }
        ctx.put("pairs", ps);
        List<double[]> vs = ReplyParser.vectors(ask("crossover", ctx), "children");
        List<Proposal> out = new ArrayList<>();
        int got = 0;
        for (int i = 0; i < pairs.size(); i++) {
            double[] v = usable(vs, i, "crossover");
            if (v != null) got++;
            out.add(v != null ? new Proposal(v, name + ":crossover " + pairs.get(i)[0] + "x" + pairs.get(i)[1])
                    : fallback("crossover", gaKids.get(i)));
        }
        stepDone("crossover", got, pairs.size());
        return out;
    }

    @Override
    public List<Proposal> mutate(List<Member> population, int[] parents, SearchSpace s, SplittableRandom rng) {
        List<Proposal> gaKids = ga.mutate(population, parents, s, rng);
        if (parents.length == 0) return gaKids;
        Map<String, Object> ctx = context(s);
        List<Map<String, Object>> ps = new ArrayList<>();
        for (int p : parents)
            ps.add(Map.of("fitness", fmt(population.get(p).fitness()), "rates", fmt(population.get(p).rates())));
        ctx.put("parents", ps);
        List<double[]> vs = ReplyParser.vectors(ask("mutation", ctx), "mutants");
        List<Proposal> out = new ArrayList<>();
        int got = 0;
        for (int i = 0; i < parents.length; i++) {
            double[] v = usable(vs, i, "mutation");
            if (v != null) got++;
            out.add(v != null ? new Proposal(v, name + ":mutation " + parents[i]) : fallback("mutation", gaKids.get(i)));
        }
        stepDone("mutation", got, parents.length);
        return out;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String fmt(double[] r) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < r.length; i++) b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", r[i]));
        return b.append(']').toString();
    }

    @Override
    public void close() {
        try {
            chat.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close the chat backend", e);
        }
    }
}
