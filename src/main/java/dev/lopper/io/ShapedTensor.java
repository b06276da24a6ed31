package dev.lopper.io;

import dev.lopper.tensor.Matrix;

import java.util.Arrays;

/**
 * A matrix with the shape it should have in a file. Lopper keeps vectors as 1×n matrices, but
 * HF checkpoints store norms and biases as 1-D tensors, so the writer needs the real shape.
 */
public record ShapedTensor(Matrix matrix, long[] shape) {
    public ShapedTensor {
        shape = shape.clone();
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        if (n != matrix.size()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not fit " + matrix);
        }
    }

    /** A 1-D tensor of the matrix's elements (a norm weight or a bias). */
    public static ShapedTensor vector(Matrix m) {
        return new ShapedTensor(m, new long[]{m.size()});
    }

    /** A 2-D tensor [rows, cols]. */
    public static ShapedTensor matrix(Matrix m) {
        return new ShapedTensor(m, new long[]{m.rows(), m.cols()});
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public long byteSize() { return matrix.size() * matrix.dtype().bytes; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShapedTensor t && t.matrix == matrix && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() { return 31 * System.identityHashCode(matrix) + Arrays.hashCode(shape); }

    @Override
    public String toString() { return "ShapedTensor" + Arrays.toString(shape) + " " + matrix.dtype(); }
}
