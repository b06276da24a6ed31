package dev.lopper.io;

import dev.lopper.tensor.DType;

import java.util.List;

/**
 * Where one tensor lives in a safetensors file: dtype, shape and its byte range relative to the
 * start of the data region (after the header).
 */
public record TensorInfo(String name, DType dtype, List<Long> shape, long begin, long end) {
    public TensorInfo {
        shape = List.copyOf(shape);
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() { return end - begin; }

    public int rank() { return shape.size(); }
}
