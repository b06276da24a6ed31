package dev.lopper.allocation.search;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.lopper.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prompts of the chat operators: Jinja templates rendered with HubSpot's Jinjava. The built-in
 * ones are resources ({@code dev/lopper/allocation/search/prompts/*.jinja}); a {@code --prompts DIR}
 * with files of the same names overrides them one by one. Lopper's design: the paper's prompts
 * are not public.
 */
public final class PromptTemplates {
    public static final List<String> NAMES = List.of("system", "init", "selection", "crossover", "mutation");
    private static final String RESOURCE = "/dev/lopper/allocation/search/prompts/";

    private final Map<String, String> templates = new LinkedHashMap<>();
    private final Jinjava jinjava = new Jinjava();

    public PromptTemplates(Path overrides) {
        if (overrides != null && !Files.isDirectory(overrides))
            throw new BadInputException(overrides, "is not a folder of prompt templates");
        for (String name : NAMES) {
            Path f = overrides == null ? null : overrides.resolve(name + ".jinja");
            try {
                if (f != null && Files.isRegularFile(f)) {
                    templates.put(name, Files.readString(f));
                } else {
                    try (InputStream in = PromptTemplates.class.getResourceAsStream(RESOURCE + name + ".jinja")) {
                        if (in == null) throw new IllegalStateException("missing resource " + name + ".jinja");
                        templates.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                throw new BadInputException(f, "cannot read the prompt template: " + e.getMessage(), e);
            }
        }
        for (String name : NAMES) render(name, sample());   // a broken override fails now, not mid-search
    }

    /** Renders template {@code name}; a template error is bad input naming the template. */
    public String render(String name, Map<String, Object> context) {
        RenderResult r = jinjava.renderForResult(templates.get(name), context);
        for (TemplateError e : r.getErrors())
            if (e.getSeverity() == TemplateError.ErrorType.FATAL)
                throw new BadInputException("prompt template " + name + ".jinja: " + e.getMessage());
        return r.getOutput();
    }

    private static Map<String, Object> sample() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("layers", 2);
        c.put("min_rate", 0.0);
        c.put("max_rate", 0.8);
        c.put("target_percent", 30);
        c.put("mean_rate", 0.4);
        c.put("fitness_name", "ppl");
        c.put("count", 1);
        c.put("crossovers", 1);
        c.put("mutations", 1);
        c.put("population", List.of(Map.of("index", 0, "fitness", 1.0, "rates", "[0.4, 0.4]")));
        c.put("pairs", List.of(Map.of("fitness_a", 1.0, "fitness_b", 1.0, "rates_a", "[0.4, 0.4]", "rates_b", "[0.4, 0.4]")));
        c.put("parents", List.of(Map.of("fitness", 1.0, "rates", "[0.4, 0.4]")));
        return c;
    }
}
