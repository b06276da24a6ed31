package dev.lopper.io;

import dev.lopper.tensor.Matrix;

import java.nio.file.Path;
import java.util.Set;

/** Named tensors from one safetensors file or from the shards of one checkpoint. */
public interface TensorSource {
    Set<String> names();

    /** The tensor's description, or null when the source has no tensor of that name. */
    TensorInfo info(String name);

    /** A view of the tensor's data (no copy); 1-D tensors are 1×n. */
    Matrix tensor(String name);

    /** The file that holds the tensor, for error messages. */
    Path fileOf(String name);

    /** The file that describes this source (the safetensors file, or the shard index). */
    Path origin();
}
