package dev.lopper.recovery.lora;

import dev.lopper.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lopper.BadInputException;
import dev.lopper.io.SafeTensorsFile;
import dev.lopper.io.SafeTensorsWriter;
import dev.lopper.io.ShapedTensor;
import dev.lopper.io.TensorInfo;
import dev.lopper.model.Adapter;
import dev.lopper.model.LlamaModel;
import dev.lopper.tensor.Matrix;
import dev.lopper.util.ErrorText;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A LoRA adapter in Hugging Face PEFT's layout: {@code adapter_config.json} (peft_type LORA, r,
 * lora_alpha, lora_dropout, target_modules, bias, base_model_name_or_path, task_type, ...) and
 * {@code adapter_model.safetensors} with {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}
 * [r, in] and {@code ...lora_B.weight} [out, r] (fp32). Widths come from each base layer, so a
 * pruned model's per-layer widths need nothing else. Reading checks every shape against the base.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PeftAdapter() {}

    /** Writes both files into {@code dir} (an existing staging folder). */
    public static void writeInto(Path dir, LoraWeights lora, String baseModel) throws IOException {
        LoraSettings s = lora.settings();
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("r", s.rank());
        c.put("lora_alpha", s.alpha());
        c.put("lora_dropout", s.dropout());
        ArrayNode targets = c.putArray("target_modules");
        for (Projection p : s.targets()) targets.add(p.module);
        c.put("bias", "none");
        c.put("base_model_name_or_path", baseModel);
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("use_rslora", false);
        c.putNull("modules_to_save");
        c.put("init_lora_weights", true);
        Files.writeString(dir.resolve(CONFIG), JSON.writeValueAsString(c) + "\n");
        Map<String, ShapedTensor> tensors = new LinkedHashMap<>();
        List<Map.Entry<Integer, Projection>> keys = lora.keys();
        List<Adapter> all = lora.all();
        for (int i = 0; i < all.size(); i++) {
            Adapter ad = all.get(i);
            int l = keys.get(i).getKey();
            Projection p = keys.get(i).getValue();
            tensors.put(p.peftName(l, true), ShapedTensor.matrix(Matrix.wrap(ad.a.clone(), ad.rank, ad.in)));
            tensors.put(p.peftName(l, false), ShapedTensor.matrix(Matrix.wrap(ad.b.clone(), ad.out, ad.rank)));
        }
        SafeTensorsWriter.write(dir.resolve(WEIGHTS), tensors);
    }

    /** The adapter in {@code dir}, checked against {@code base}; any misfit is bad input naming the file. */
    public static LoraWeights read(Path dir, LlamaModel base) {
        Path configFile = dir.resolve(CONFIG), weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(configFile)) throw new BadInputException(configFile, "not found (" + Setting.ADAPTER.mention() + " wants a PEFT adapter folder)");
        if (!Files.isRegularFile(weightsFile)) throw new BadInputException(weightsFile, "not found (" + Setting.ADAPTER.mention() + " wants a PEFT adapter folder)");
        JsonNode c;
        try {
            c = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new BadInputException(configFile, "not readable JSON: " + ErrorText.of(e), e);
        }
        if (!"LORA".equals(c.path("peft_type").asText()))
            throw new BadInputException(configFile, "peft_type is '" + c.path("peft_type").asText() + "', not LORA");
        if (!c.path("r").canConvertToInt() || c.path("r").asInt() < 1)
            throw new BadInputException(configFile, "r is missing or not a positive integer");
        int r = c.path("r").asInt();
        double alpha = c.path("lora_alpha").asDouble(r);
        if (!"none".equals(c.path("bias").asText("none")))
            throw new BadInputException(configFile, "bias '" + c.path("bias").asText() + "' is not supported (only none)");
        if (c.path("fan_in_fan_out").asBoolean(false))
            throw new BadInputException(configFile, "fan_in_fan_out adapters (GPT-2 Conv1D) are not supported");
        if (!c.path("target_modules").isArray())
            throw new BadInputException(configFile, "target_modules must be a list of module names");
        Set<Projection> targets = EnumSet.noneOf(Projection.class);
        for (JsonNode t : c.path("target_modules")) {
            Projection p = Projection.ofModule(t.asText());
            if (p == null) throw new BadInputException(configFile, "target module '" + t.asText()
                    + "' is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
            targets.add(p);
        }
        if (targets.isEmpty()) throw new BadInputException(configFile, "target_modules is empty");
        double dropout = c.path("lora_dropout").asDouble(0);
        LoraSettings settings = new LoraSettings(r, alpha, Math.max(0, Math.min(dropout, 0.99)), targets);
        float scale = c.path("use_rslora").asBoolean(false) ? (float) (alpha / Math.sqrt(r)) : settings.scale();

        SafeTensorsFile file = SafeTensorsFile.open(weightsFile);
        Set<String> unused = new HashSet<>(file.names());
        List<Map<Projection, Adapter>> layers = new ArrayList<>();
        for (int l = 0; l < base.config().numLayers(); l++) {
            Map<Projection, Adapter> map = new EnumMap<>(Projection.class);
            for (Projection p : targets) {
                Matrix w = p.param.of(base, l);
                String an = p.peftName(l, true), bn = p.peftName(l, false);
                boolean present = file.info(an) != null || file.info(bn) != null;
                if (w == null || w.rows() == 0 || w.cols() == 0) {
                    if (present) throw new BadInputException(weightsFile, an + ": layer " + l + " of the base has no "
                            + p.module + " left");
                    continue;
                }
                if (!present) continue;     // PEFT's layers_to_transform: layers without adapters
                float[] a = read(file, weightsFile, an, r, w.cols(), l, p, "takes " + w.cols() + " inputs");
                float[] b = read(file, weightsFile, bn, w.rows(), r, l, p, "has " + w.rows() + " outputs");
                unused.remove(an);
                unused.remove(bn);
                map.put(p, new Adapter(r, w.cols(), w.rows(), scale, a, b));
            }
            layers.add(map);
        }
        if (!unused.isEmpty())
            throw new BadInputException(weightsFile, "tensor " + unused.stream().sorted().findFirst().orElseThrow()
                    + " fits no targeted projection of the base (" + base.config().numLayers() + " layers)");
        return new LoraWeights(settings, layers);
    }

    private static float[] read(SafeTensorsFile file, Path path, String name, int rows, int cols, int l, Projection p,
                                String fits) {
        TensorInfo info = file.info(name);
        if (info == null) throw new BadInputException(path, "no tensor " + name);
        List<Long> want = List.of((long) rows, (long) cols);
        if (!info.shape().equals(want))
            throw new BadInputException(path, name + " is " + info.shape() + " but layer " + l + "'s " + p.module
                    + " " + fits + " (rank " + (name.endsWith("lora_A.weight") ? rows : cols) + "): want " + want);
        return file.tensor(name).toFloats();
    }
}
