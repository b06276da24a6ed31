package dev.lopper.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one place that picks the Vector API species for every fp32 kernel ({@link VectorOps},
 * {@link PackedGemm}): the machine's preferred width, or {@code -Dlopper.vectorBits=128|256|512}
 * (at most the preferred width). Tests run the kernels at the narrow widths this way, in a
 * child JVM, since the species is a constant the JIT folds into the kernels.
 *
 * <p>Results depend on the width (lane partial sums), so bit-identical results need the same
 * width, as well as the same inputs; they do not depend on the number of threads.
 */
public final class Simd {
    private Simd() {}

    /** The fp32 species of all kernels. */
    public static final VectorSpecies<Float> FLOAT = choose(Integer.getInteger("lopper.vectorBits", 0));

    static VectorSpecies<Float> choose(int bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits == 0 || bits == preferred.vectorBitSize()) return preferred;
        if (bits != 128 && bits != 256 && bits != 512)
            throw new IllegalArgumentException("lopper.vectorBits must be 128, 256 or 512, not " + bits);
        if (bits > preferred.vectorBitSize())
            throw new IllegalArgumentException("lopper.vectorBits=" + bits + " is wider than this machine's "
                    + preferred.vectorBitSize() + "-bit vectors");
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }

    /** Width in bits of {@link #FLOAT}. */
    public static int bits() { return FLOAT.vectorBitSize(); }
}
