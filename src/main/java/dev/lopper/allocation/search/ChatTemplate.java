package dev.lopper.allocation.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.lopper.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template: {@code chat_template} of its tokenizer_config.json (a string, or a list
 * of named templates, "default" preferred), rendered with HubSpot's Jinjava as transformers'
 * {@code apply_chat_template} renders it (trim_blocks and lstrip_blocks on; {@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code raise_exception}).
 * Without a template the messages are joined plainly (Lopper's choice):
 * {@code "<system>\n\nUser: <user>\nAssistant:"}.
 */
public final class ChatTemplate {
    private final String template;
    private final String bos, eos;
    private final Jinjava jinjava;

    private ChatTemplate(String template, String bos, String eos) {
        this.template = template;
        this.bos = bos;
        this.eos = eos;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raise", String.class));
    }

    /** Called by templates as raise_exception('...'). */
    public static String raise(String message) {
        throw new IllegalStateException("chat template: " + message);
    }

    /** The template of the model folder {@code dir} (null file or no template: the plain format). */
    public static ChatTemplate of(Path dir) {
        Path f = dir == null ? null : (Files.isDirectory(dir) ? dir : dir.getParent()).resolve("tokenizer_config.json");
        if (f == null || !Files.isRegularFile(f)) return new ChatTemplate(null, "", "");
        try {
            JsonNode cfg = new ObjectMapper().readTree(f.toFile());
            JsonNode t = cfg.get("chat_template");
            String text = null;
            if (t != null && t.isTextual()) text = t.asText();
            else if (t != null && t.isArray()) {
                for (JsonNode e : t) if (text == null || "default".equals(e.path("name").asText())) text = e.path("template").asText(null);
            }
            return new ChatTemplate(text, token(cfg.get("bos_token")), token(cfg.get("eos_token")));
        } catch (IOException e) {
            throw new BadInputException(f, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static String token(JsonNode n) {
        if (n == null || n.isNull()) return "";
        return n.isTextual() ? n.asText() : n.path("content").asText("");
    }

    public boolean present() {
        return template != null;
    }

    /** The prompt text for a system and a user message, ending where the assistant's reply begins. */
    public String render(String system, String user) {
        if (template == null) return system + "\n\nUser: " + user + "\nAssistant:";
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", List.of(Map.of("role", "system", "content", system), Map.of("role", "user", "content", user)));
        ctx.put("add_generation_prompt", true);
        ctx.put("bos_token", bos);
        ctx.put("eos_token", eos);
        RenderResult r = jinjava.renderForResult(template, ctx);
        for (TemplateError e : r.getErrors())
            if (e.getSeverity() == TemplateError.ErrorType.FATAL)
                throw new BadInputException("chat template of tokenizer_config.json: " + e.getMessage());
        return r.getOutput();
    }
}
