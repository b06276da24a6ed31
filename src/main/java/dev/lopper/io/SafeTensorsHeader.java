package dev.lopper.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lopper.BadInputException;
import dev.lopper.tensor.DType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file. Validation happens here, once, so
 * that every tensor view handed out later is known to lie inside the file.
 */
record SafeTensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param json     the header bytes
     * @param dataSize bytes in the data region (file size − 8 − header length)
     */
    static SafeTensorsHeader parse(Path file, byte[] json, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadInputException(file, "header is not valid JSON (" + dev.lopper.util.ErrorText.of(e) + ")");
        } catch (java.io.IOException e) {
            throw new BadInputException(file, "header is not valid JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new BadInputException(file, "header is not a JSON object");

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals("__metadata__")) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readTensor(file, e.getKey(), e.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, tensors.values());
        checkNotTruncated(file, tensors.values(), dataSize);
        return new SafeTensorsHeader(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (node.isNull()) return;
        if (!node.isObject()) throw new BadInputException(file, "__metadata__ is not a JSON object");
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            out.put(m.getKey(), m.getValue().isTextual() ? m.getValue().asText() : m.getValue().toString());
        }
    }

    private static TensorInfo readTensor(Path file, String name, JsonNode node, long dataSize) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw new BadInputException(file, where + ": header entry is not a JSON object");
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new BadInputException(file, where + ": missing dtype");
        DType dtype = DType.fromSafetensors(dtypeNode.asText());
        if (dtype == null) {
            throw new BadInputException(file, where + " has dtype " + dtypeNode.asText()
                    + ", Lopper supports F32, BF16, F16");
        }
        List<Long> shape = readLongs(file, where, node.get("shape"), "shape", -1);
        List<Long> offsets = readLongs(file, where, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets.get(0), end = offsets.get(1);
        if (end < begin) {
            throw new BadInputException(file, where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (begin > dataSize) {
            throw new BadInputException(file, where + ": data_offsets [" + begin + ", " + end
                    + "] start past the end of the data (" + dataSize + " bytes)");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.elementCount(), dtype.bytes);
        } catch (ArithmeticException overflow) {
            throw new BadInputException(file, where + ": shape " + shape + " is too large");
        }
        if (expected != end - begin) {
            throw new BadInputException(file, where + ": shape " + shape + " × " + dtype.bytes + " bytes (" + dtype
                    + ") = " + expected + " bytes, but data_offsets span " + (end - begin) + " bytes");
        }
        return info;
    }

    private static List<Long> readLongs(Path file, String where, JsonNode node, String field, int length) {
        if (node == null || !node.isArray()) throw new BadInputException(file, where + ": missing " + field);
        if (length >= 0 && node.size() != length) {
            throw new BadInputException(file, where + ": " + field + " must have " + length + " numbers");
        }
        List<Long> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
                throw new BadInputException(file, where + ": " + field + " " + node + " is not a list of non-negative integers");
            }
            out.add(n.asLong());
        }
        return out;
    }

    private static void checkNoOverlap(Path file, Iterable<TensorInfo> all) {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo t : all) if (t.byteSize() > 0) sorted.add(t);   // empty tensors occupy no bytes
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1), cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new BadInputException(file, "tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
                        + ") and '" + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
            }
        }
    }

    private static void checkNotTruncated(Path file, Iterable<TensorInfo> all, long dataSize) {
        TensorInfo last = null;
        for (TensorInfo t : all) if (last == null || t.end() > last.end()) last = t;
        if (last != null && last.end() > dataSize) {
            throw new BadInputException(file, "file is truncated: data region has " + dataSize
                    + " bytes but tensor '" + last.name() + "' ends at " + last.end());
        }
    }
}
