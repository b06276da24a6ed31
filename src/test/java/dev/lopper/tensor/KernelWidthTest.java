package dev.lopper.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels at the narrow vector widths: GemmTest (its quick shape set: every product and path,
 * heap fp32 and mapped bf16 weights) and VectorOpsTest (GEMM, softmax, exp, SiLU, dot products
 * against double-precision loops) and the golden stories260K forward and NLL (RMSNorm,
 * attention, the whole model) run again in a child JVM with {@code -Dlopper.vectorBits} = 128 and
 * 256, where {@link Simd} picks that species for every kernel. The preferred width is what the
 * rest of the suite runs at.
 */
class KernelWidthTest {

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256})
    void kernelsMatchTheReferencesAtNarrowWidths(int bits) throws IOException, InterruptedException {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        assumeTrue(bits < preferred, "skipped: " + bits + " bits is this machine's preferred width ("
                + preferred + "), which the rest of the suite runs at");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx2g", "-Dlopper.vectorBits=" + bits, "-Dlopper.test.quickGemm=true", "-cp", System.getProperty("java.class.path"),
                "dev.lopper.KernelWidthCheck", "dev.lopper.tensor.GemmTest", "dev.lopper.tensor.VectorOpsTest",
                "dev.lopper.model.GoldenModelTest");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), out);
        assertTrue(out.contains("vector bits " + bits + "\n"), "the child JVM did not run at " + bits + " bits:\n" + out);
        assertEquals(0, p.exitValue(), out);
    }
}
