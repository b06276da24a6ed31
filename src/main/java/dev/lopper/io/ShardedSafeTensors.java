package dev.lopper.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.tensor.Matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split over several safetensors files, described by
 * {@code model.safetensors.index.json}: {"weight_map": {tensor name: shard file name}}.
 */
public final class ShardedSafeTensors implements TensorSource {
    public static final String INDEX_NAME = "model.safetensors.index.json";

    private final Path indexFile;
    private final Map<String, SafeTensorsFile> byTensor;

    private ShardedSafeTensors(Path indexFile, Map<String, SafeTensorsFile> byTensor) {
        this.indexFile = indexFile;
        this.byTensor = byTensor;
    }

    /** Opens every shard named in the index; shard names must stay inside the index's folder. */
    public static ShardedSafeTensors open(Path indexFile) {
        Map<String, String> weightMap = readWeightMap(indexFile);
        Path folder = indexFile.toAbsolutePath().getParent();
        Map<String, SafeTensorsFile> shards = new HashMap<>();
        Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            String shardName = e.getValue();
            SafeTensorsFile shard = shards.computeIfAbsent(shardName, s -> openShard(indexFile, folder, s));
            if (shard.info(e.getKey()) == null) {
                throw new BadInputException(indexFile, "tensor '" + e.getKey() + "' is mapped to shard '" + shardName
                        + "', which does not contain it");
            }
            byTensor.put(e.getKey(), shard);
        }
        return new ShardedSafeTensors(indexFile, Collections.unmodifiableMap(byTensor));
    }

    private static Map<String, String> readWeightMap(Path indexFile) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(indexFile));
        } catch (NoSuchFileException e) {
            throw new BadInputException(indexFile, "file not found");
        } catch (IOException e) {
            throw new BadInputException(indexFile, "cannot read as JSON (" + dev.lopper.util.ErrorText.of(e) + ")", e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new BadInputException(indexFile, "missing field 'weight_map'");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new BadInputException(indexFile, "weight_map entry '" + e.getKey() + "' is not a file name");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static SafeTensorsFile openShard(Path indexFile, Path folder, String shardName) {
        Path shard;
        try {
            shard = Path.of(shardName);
        } catch (java.nio.file.InvalidPathException e) {
            throw new BadInputException(indexFile, "shard '" + shardName + "' is not a valid file name");
        }
        // A shard must be a plain file in the model folder: no absolute paths, no "..".
        Path resolved = folder.resolve(shard).normalize();
        if (shard.isAbsolute() || !resolved.getParent().equals(folder.normalize())) {
            throw new BadInputException(indexFile, "shard '" + shardName + "' resolves outside the model folder");
        }
        if (!Files.isRegularFile(resolved)) {
            throw new BadInputException(indexFile, "shard '" + shardName + "' is missing");
        }
        return SafeTensorsFile.open(resolved);
    }

    @Override
    public Set<String> names() { return byTensor.keySet(); }

    @Override
    public TensorInfo info(String name) {
        SafeTensorsFile f = byTensor.get(name);
        return f == null ? null : f.info(name);
    }

    @Override
    public Matrix tensor(String name) {
        SafeTensorsFile f = byTensor.get(name);
        if (f == null) throw new BadInputException(indexFile, "no tensor named '" + name + "' in any shard");
        return f.tensor(name);
    }

    @Override
    public Path origin() { return indexFile; }

    @Override
    public Path fileOf(String name) {
        SafeTensorsFile f = byTensor.get(name);
        return f == null ? null : f.path();
    }
}
